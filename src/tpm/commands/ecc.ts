/** Part 3 chapter 19 (Ephemeral EC Keys) and chapter 20 (Signing and Signature Verification). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct, UINT16 } from '../marshal.ts';
import { TPM2BDigest, TPM2BECCParameter, TPM2BSensitiveData } from '../types/buffers.ts';
import { TPM2BECCPoint, TPMTSigScheme, TPMTTKHashcheck } from '../types/public.ts';
import { TPMTSignature } from '../types/signature.ts';

/** TPM2_Commit, Part 3 §19.2: the first half of an ECDAA (or EC Schnorr) signature. */
export const Commit = defineCommand({
  name: 'Commit',
  code: TPM_CC.Commit,
  section: '19.2',
  handles: ['signHandle'],
  authHandles: 1,
  params: struct('TPM2_Commit', {
    P1: TPM2BECCPoint,
    s2: TPM2BSensitiveData,
    y2: TPM2BECCParameter,
  }),
  responseHandles: [],
  response: struct('TPM2_Commit response', {
    K: TPM2BECCPoint,
    L: TPM2BECCPoint,
    E: TPM2BECCPoint,
    counter: UINT16,
  }),
});

/** TPM2_Sign, Part 3 §20.2. */
export const Sign = defineCommand({
  name: 'Sign',
  code: TPM_CC.Sign,
  section: '20.2',
  handles: ['keyHandle'],
  authHandles: 1,
  params: struct('TPM2_Sign', {
    digest: TPM2BDigest,
    inScheme: TPMTSigScheme,
    validation: TPMTTKHashcheck,
  }),
  responseHandles: [],
  response: struct('TPM2_Sign response', { signature: TPMTSignature }),
});
