/**
 * Public-area templates: the ECDAA member key (domain.md §4), the storage primary keys of the
 * TCG provisioning guidance, and the TCG EK templates (TCG EK Credential Profile 2.x,
 * Annex B: the low range L-1/L-2 and the high range H-1…H-7) with their certificate indexes.
 */
import { TPM_ALG, TPM_ECC, TPMA_OBJECT } from './constants.ts';
import { fromHex } from './marshal.ts';
import type { TPMTPublic } from './types/public.ts';

const A = TPMA_OBJECT;
const NONE = new Uint8Array();

/**
 * The ECDAA key Xaptum uses, child of a storage primary: fixedTPM | fixedParent |
 * sensitiveDataOrigin | userWithAuth | sign (0x00040072), scheme ECDAA {SHA-256, count 1},
 * curve BN_P256, empty auth. `noDA` adds TPMA_OBJECT_noDA (domain.md §5 advises it).
 */
export function ecdaaKeyTemplate(options: { noDA?: boolean } = {}): TPMTPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes:
      A.fixedTPM |
      A.fixedParent |
      A.sensitiveDataOrigin |
      A.userWithAuth |
      A.sign |
      (options.noDA ? A.noDA : 0),
    authPolicy: NONE,
    parameters: {
      symmetric: { algorithm: TPM_ALG.NULL },
      scheme: { scheme: TPM_ALG.ECDAA, hashAlg: TPM_ALG.SHA256, count: 1 },
      curveID: TPM_ECC.BN_P256,
      kdf: { scheme: TPM_ALG.NULL },
    },
    unique: { x: NONE, y: NONE },
  };
}

const STORAGE_ATTRS =
  A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.decrypt;

/** A storage primary (SRK) on NIST P-256 with AES-128-CFB: fast to create on every chip. */
export function storagePrimaryEcc(options: { noDA?: boolean } = {}): TPMTPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: STORAGE_ATTRS | (options.noDA ? A.noDA : 0),
    authPolicy: NONE,
    parameters: {
      symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB },
      scheme: { scheme: TPM_ALG.NULL },
      curveID: TPM_ECC.NIST_P256,
      kdf: { scheme: TPM_ALG.NULL },
    },
    unique: { x: NONE, y: NONE },
  };
}

/** The RSA-2048 storage primary of the TCG provisioning guidance (the classic SRK). */
export function storagePrimaryRsa(options: { noDA?: boolean } = {}): TPMTPublic {
  return {
    type: TPM_ALG.RSA,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: STORAGE_ATTRS | (options.noDA ? A.noDA : 0),
    authPolicy: NONE,
    parameters: {
      symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB },
      scheme: { scheme: TPM_ALG.NULL },
      keyBits: 2048,
      exponent: 0,
    },
    unique: new Uint8Array(256),
  };
}

/** PolicySecret(TPM_RH_ENDORSEMENT) — "PolicyA" of the EK profile, SHA-256. */
export const EK_POLICY_A_SHA256 = fromHex(
  '837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa',
);
/** "PolicyB" (PolicyOR of PolicySecret and PolicyAuthorizeNV branches) per hash. */
export const EK_POLICY_B_SHA256 = fromHex(
  'ca3d0a99a2b93906f7a3342414efcfb3a385d44cd1fd459089d19b5071c0b7a0',
);
export const EK_POLICY_B_SHA384 = fromHex(
  'b26e7d28d11a50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9bde419cacb47ba09699646150f9fc000f3f80e12',
);

export const EK_POLICY_B_SHA512 = fromHex(
  'b8221ca69e8550a4914de3faa6a18c072cc01208073a928d5d66d59ef79e49a4' +
    '29c41a6b269571d57edb25fbdb1838425608b413cd616a5f6db5b6071af99bea',
);

const EK_ATTRS_LOW =
  A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.adminWithPolicy | A.restricted | A.decrypt;
const EK_ATTRS_HIGH = EK_ATTRS_LOW | A.userWithAuth;

export interface EkProfile {
  /** The profile's name for the template, e.g. `L-1` or `H-3`. */
  template: string;
  /** A short type name for reports: `rsa2048`, `ecc-nist-p256`, `ecc-nist-p384`… */
  type: string;
  /** NV index of the EK certificate. */
  certIndex: number;
  /** Where TCG guidance (and swtpm_setup) persists this EK, when it does. */
  persistentHandle?: number;
  /**
   * The public template the EK is created from, where this layer knows it. A probe only
   * reports a key made from it when its public key equals the certificate's, so a template
   * that differs from the chip's gives no EK, never a wrong one.
   */
  publicTemplate?: () => TPMTPublic;
}

function rsaEk(
  keyBits: number,
  nameAlg: number,
  policy: Uint8Array,
  high: boolean,
  aesBits: number,
): TPMTPublic {
  return {
    type: TPM_ALG.RSA,
    nameAlg,
    objectAttributes: high ? EK_ATTRS_HIGH : EK_ATTRS_LOW,
    authPolicy: policy,
    parameters: {
      symmetric: { algorithm: TPM_ALG.AES, keyBits: aesBits, mode: TPM_ALG.CFB },
      scheme: { scheme: TPM_ALG.NULL },
      keyBits,
      exponent: 0,
    },
    unique: high ? NONE : new Uint8Array(keyBits / 8),
  };
}

function eccEk(
  curveID: number,
  bytes: number,
  nameAlg: number,
  policy: Uint8Array,
  high: boolean,
  aesBits: number,
): TPMTPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg,
    objectAttributes: high ? EK_ATTRS_HIGH : EK_ATTRS_LOW,
    authPolicy: policy,
    parameters: {
      symmetric: { algorithm: TPM_ALG.AES, keyBits: aesBits, mode: TPM_ALG.CFB },
      scheme: { scheme: TPM_ALG.NULL },
      curveID,
      kdf: { scheme: TPM_ALG.NULL },
    },
    unique: high ? { x: NONE, y: NONE } : { x: new Uint8Array(bytes), y: new Uint8Array(bytes) },
  };
}

/**
 * The EK certificate indexes of the TCG EK Credential Profile, each with the template of the
 * key its certificate certifies. Order: the indexes a probe reads, the common ones first.
 */
export const EK_PROFILES: readonly EkProfile[] = [
  {
    template: 'L-1',
    type: 'rsa2048',
    certIndex: 0x01c00002,
    persistentHandle: 0x81010001,
    publicTemplate: () => rsaEk(2048, TPM_ALG.SHA256, EK_POLICY_A_SHA256, false, 128),
  },
  {
    template: 'L-2',
    type: 'ecc-nist-p256',
    certIndex: 0x01c0000a,
    persistentHandle: 0x81010002,
    publicTemplate: () =>
      eccEk(TPM_ECC.NIST_P256, 32, TPM_ALG.SHA256, EK_POLICY_A_SHA256, false, 128),
  },
  {
    template: 'H-1',
    type: 'rsa2048',
    certIndex: 0x01c00012,
    publicTemplate: () => rsaEk(2048, TPM_ALG.SHA256, EK_POLICY_B_SHA256, true, 128),
  },
  {
    template: 'H-2',
    type: 'ecc-nist-p256',
    certIndex: 0x01c00014,
    publicTemplate: () =>
      eccEk(TPM_ECC.NIST_P256, 32, TPM_ALG.SHA256, EK_POLICY_B_SHA256, true, 128),
  },
  {
    template: 'H-3',
    type: 'ecc-nist-p384',
    certIndex: 0x01c00016,
    persistentHandle: 0x81010016,
    publicTemplate: () =>
      eccEk(TPM_ECC.NIST_P384, 48, TPM_ALG.SHA384, EK_POLICY_B_SHA384, true, 256),
  },
  {
    template: 'H-4',
    type: 'ecc-nist-p521',
    certIndex: 0x01c00018,
    publicTemplate: () =>
      eccEk(TPM_ECC.NIST_P521, 66, TPM_ALG.SHA512, EK_POLICY_B_SHA512, true, 256),
  },
  {
    template: 'H-5',
    type: 'ecc-sm2-p256',
    certIndex: 0x01c0001a,
  },
  {
    template: 'H-6',
    type: 'rsa3072',
    certIndex: 0x01c0001c,
    publicTemplate: () => rsaEk(3072, TPM_ALG.SHA384, EK_POLICY_B_SHA384, true, 256),
  },
  {
    template: 'H-7',
    type: 'rsa4096',
    certIndex: 0x01c0001e,
    publicTemplate: () => rsaEk(4096, TPM_ALG.SHA384, EK_POLICY_B_SHA384, true, 256),
  },
];

/** NV indexes that may hold a custom EK template (low range): RSA then ECC. */
export const EK_TEMPLATE_INDEX: Record<number, number> = {
  0x01c00002: 0x01c00004,
  0x01c0000a: 0x01c0000c,
};
