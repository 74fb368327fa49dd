/**
 * TPM2B byte buffers, Part 2 §10.4 (and §11.1.16, §11.2.5.2, §12.4.3, §13.2). Maximum sizes
 * are the largest any implementation may use (e.g. TPM2B_DIGEST holds a SHA-512 digest), so
 * a real chip's smaller limits pass and a garbage size field is refused.
 */
import { tpm2b } from '../marshal.ts';

/** sizeof(TPMU_HA): the largest digest (SHA-512 / SHA3-512). */
const MAX_DIGEST = 64;

export const TPM2BDigest = tpm2b('TPM2B_DIGEST', MAX_DIGEST);
export const TPM2BData = tpm2b('TPM2B_DATA', MAX_DIGEST + 2);
export const TPM2BNonce = tpm2b('TPM2B_NONCE', MAX_DIGEST);
export const TPM2BAuth = tpm2b('TPM2B_AUTH', MAX_DIGEST);
export const TPM2BName = tpm2b('TPM2B_NAME', MAX_DIGEST + 2);
export const TPM2BTimeout = tpm2b('TPM2B_TIMEOUT', 8);
/** MAX_NV_BUFFER_SIZE is the TPM's own (768–2048 in practice); 4096 bounds a garbage size. */
export const TPM2BMaxNVBuffer = tpm2b('TPM2B_MAX_NV_BUFFER', 4096);
/** Commit's s2 holds LE32(i) ‖ basename: bounded by the TPM; 1024 bounds a garbage size. */
export const TPM2BSensitiveData = tpm2b('TPM2B_SENSITIVE_DATA', 1024);
/** MAX_ECC_KEY_BYTES: 80 for BN_P638; 128 leaves room without accepting garbage. */
export const TPM2BECCParameter = tpm2b('TPM2B_ECC_PARAMETER', 128);
/** MAX_RSA_KEY_BYTES: 512 for RSA-4096. */
export const TPM2BPublicKeyRSA = tpm2b('TPM2B_PUBLIC_KEY_RSA', 512);
export const TPM2BPrivate = tpm2b('TPM2B_PRIVATE', 2048);
export const TPM2BIDObject = tpm2b('TPM2B_ID_OBJECT', 2 + MAX_DIGEST + 2 + MAX_DIGEST);
export const TPM2BEncryptedSecret = tpm2b('TPM2B_ENCRYPTED_SECRET', 512);
