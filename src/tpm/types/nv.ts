/** TPMS_NV_PUBLIC and TPM2B_NV_PUBLIC, Part 2 §13.5–§13.6. */
import { sized, struct, UINT16, UINT32, type StructOf } from '../marshal.ts';
import { TPM2BDigest } from './buffers.ts';

export const TPMSNVPublic = struct('TPMS_NV_PUBLIC', {
  nvIndex: UINT32,
  nameAlg: UINT16,
  attributes: UINT32,
  authPolicy: TPM2BDigest,
  dataSize: UINT16,
});
export type TPMSNVPublic = StructOf<{
  nvIndex: typeof UINT32;
  nameAlg: typeof UINT16;
  attributes: typeof UINT32;
  authPolicy: typeof TPM2BDigest;
  dataSize: typeof UINT16;
}>;
export const TPM2BNVPublic = sized('TPM2B_NV_PUBLIC', TPMSNVPublic, 4 + 2 + 4 + 2 + 64 + 2);
