/** Part 3 chapter 23 (Enhanced Authorization commands). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { INT32, struct, UINT32 } from '../marshal.ts';
import { TPM2BDigest, TPM2BNonce, TPM2BTimeout } from '../types/buffers.ts';
import { TPMTTKAuth } from '../types/public.ts';
import { NONE } from './startup.ts';

/** TPM2_PolicySecret, Part 3 §23.4: binds the policy to the authorization of `authHandle`. */
export const PolicySecret = defineCommand({
  name: 'PolicySecret',
  code: TPM_CC.PolicySecret,
  section: '23.4',
  handles: ['authHandle', 'policySession'],
  authHandles: 1,
  params: struct('TPM2_PolicySecret', {
    nonceTPM: TPM2BNonce,
    cpHashA: TPM2BDigest,
    policyRef: TPM2BNonce,
    expiration: INT32,
  }),
  responseHandles: [],
  response: struct('TPM2_PolicySecret response', {
    timeout: TPM2BTimeout,
    policyTicket: TPMTTKAuth,
  }),
});

/** TPM2_PolicyCommandCode, Part 3 §23.11. */
export const PolicyCommandCode = defineCommand({
  name: 'PolicyCommandCode',
  code: TPM_CC.PolicyCommandCode,
  section: '23.11',
  handles: ['policySession'],
  authHandles: 0,
  params: struct('TPM2_PolicyCommandCode', { code: UINT32 }),
  responseHandles: [],
  response: NONE,
});
