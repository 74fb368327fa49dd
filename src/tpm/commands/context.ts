/** Part 3 chapter 28 (Context Management). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct, UINT32 } from '../marshal.ts';
import { NONE } from './startup.ts';

/** TPM2_FlushContext, Part 3 §28.4: the handle is a parameter, not in the handle area. */
export const FlushContext = defineCommand({
  name: 'FlushContext',
  code: TPM_CC.FlushContext,
  section: '28.4',
  handles: [],
  authHandles: 0,
  params: struct('TPM2_FlushContext', { flushHandle: UINT32 }),
  responseHandles: [],
  response: NONE,
});

/** TPM2_EvictControl, Part 3 §28.5: makes a loaded object persistent, or evicts a persistent one. */
export const EvictControl = defineCommand({
  name: 'EvictControl',
  code: TPM_CC.EvictControl,
  section: '28.5',
  handles: ['auth', 'objectHandle'],
  authHandles: 1,
  params: struct('TPM2_EvictControl', { persistentHandle: UINT32 }),
  responseHandles: [],
  response: NONE,
});
