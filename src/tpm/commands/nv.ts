/** Part 3 chapter 31 (Non-volatile Storage). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct, UINT16 } from '../marshal.ts';
import { TPM2BAuth, TPM2BMaxNVBuffer, TPM2BName } from '../types/buffers.ts';
import { TPM2BNVPublic } from '../types/nv.ts';
import { NONE } from './startup.ts';

/** TPM2_NV_DefineSpace, Part 3 §31.3. */
export const NV_DefineSpace = defineCommand({
  name: 'NV_DefineSpace',
  code: TPM_CC.NV_DefineSpace,
  section: '31.3',
  handles: ['authHandle'],
  authHandles: 1,
  params: struct('TPM2_NV_DefineSpace', { auth: TPM2BAuth, publicInfo: TPM2BNVPublic }),
  responseHandles: [],
  response: NONE,
});

/** TPM2_NV_UndefineSpace, Part 3 §31.4. */
export const NV_UndefineSpace = defineCommand({
  name: 'NV_UndefineSpace',
  code: TPM_CC.NV_UndefineSpace,
  section: '31.4',
  handles: ['authHandle', 'nvIndex'],
  authHandles: 1,
  params: NONE,
  responseHandles: [],
  response: NONE,
});

/** TPM2_NV_UndefineSpaceSpecial, Part 3 §31.5: for indexes with TPMA_NV_POLICY_DELETE. */
export const NV_UndefineSpaceSpecial = defineCommand({
  name: 'NV_UndefineSpaceSpecial',
  code: TPM_CC.NV_UndefineSpaceSpecial,
  section: '31.5',
  handles: ['nvIndex', 'platform'],
  authHandles: 2,
  params: NONE,
  responseHandles: [],
  response: NONE,
});

/** TPM2_NV_ReadPublic, Part 3 §31.6. */
export const NV_ReadPublic = defineCommand({
  name: 'NV_ReadPublic',
  code: TPM_CC.NV_ReadPublic,
  section: '31.6',
  handles: ['nvIndex'],
  authHandles: 0,
  params: NONE,
  responseHandles: [],
  response: struct('TPM2_NV_ReadPublic response', { nvPublic: TPM2BNVPublic, nvName: TPM2BName }),
});

/** TPM2_NV_Write, Part 3 §31.7. */
export const NV_Write = defineCommand({
  name: 'NV_Write',
  code: TPM_CC.NV_Write,
  section: '31.7',
  handles: ['authHandle', 'nvIndex'],
  authHandles: 1,
  params: struct('TPM2_NV_Write', { data: TPM2BMaxNVBuffer, offset: UINT16 }),
  responseHandles: [],
  response: NONE,
});

/** TPM2_NV_WriteLock, Part 3 §31.11. */
export const NV_WriteLock = defineCommand({
  name: 'NV_WriteLock',
  code: TPM_CC.NV_WriteLock,
  section: '31.11',
  handles: ['authHandle', 'nvIndex'],
  authHandles: 1,
  params: NONE,
  responseHandles: [],
  response: NONE,
});

/** TPM2_NV_Read, Part 3 §31.13. */
export const NV_Read = defineCommand({
  name: 'NV_Read',
  code: TPM_CC.NV_Read,
  section: '31.13',
  handles: ['authHandle', 'nvIndex'],
  authHandles: 1,
  params: struct('TPM2_NV_Read', { size: UINT16, offset: UINT16 }),
  responseHandles: [],
  response: struct('TPM2_NV_Read response', { data: TPM2BMaxNVBuffer }),
});
