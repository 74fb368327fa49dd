/** Part 3 chapter 16 (Random Number Generator). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct, UINT16 } from '../marshal.ts';
import { TPM2BDigest } from '../types/buffers.ts';

/** TPM2_GetRandom, Part 3 §16.1: at most one digest's worth of bytes per call. */
export const GetRandom = defineCommand({
  name: 'GetRandom',
  code: TPM_CC.GetRandom,
  section: '16.1',
  handles: [],
  authHandles: 0,
  params: struct('TPM2_GetRandom', { bytesRequested: UINT16 }),
  responseHandles: [],
  response: struct('TPM2_GetRandom response', { randomBytes: TPM2BDigest }),
});
