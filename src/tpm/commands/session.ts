/** Part 3 chapter 11 (Session Commands). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct, UINT16, UINT8 } from '../marshal.ts';
import { TPM2BEncryptedSecret, TPM2BNonce } from '../types/buffers.ts';
import { TPMTSymDef } from '../types/public.ts';

/** TPM2_StartAuthSession, Part 3 §11.1. */
export const StartAuthSession = defineCommand({
  name: 'StartAuthSession',
  code: TPM_CC.StartAuthSession,
  section: '11.1',
  handles: ['tpmKey', 'bind'],
  authHandles: 0,
  params: struct('TPM2_StartAuthSession', {
    nonceCaller: TPM2BNonce,
    encryptedSalt: TPM2BEncryptedSecret,
    sessionType: UINT8,
    symmetric: TPMTSymDef,
    authHash: UINT16,
  }),
  responseHandles: ['sessionHandle'],
  response: struct('TPM2_StartAuthSession response', { nonceTPM: TPM2BNonce }),
});
