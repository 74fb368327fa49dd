/**
 * Layout profiles: where the ECDAA key and the NV objects go in the TPM. `xtt-platform` is
 * the layout that Xaptum's XTT client reads (xaptum-tpm `nvram.h`, domain.md §5); other
 * profiles are versions of it, never silent changes of the constants.
 */

/** TPMA_NV bits (TPM 2.0 Part 2 §13.4). */
export const TPMA_NV = {
  PPWRITE: 0x0000_0001,
  OWNERWRITE: 0x0000_0002,
  AUTHWRITE: 0x0000_0004,
  WRITEDEFINE: 0x0000_2000,
  PPREAD: 0x0001_0000,
  OWNERREAD: 0x0002_0000,
  AUTHREAD: 0x0004_0000,
  NO_DA: 0x0200_0000,
  PLATFORMCREATE: 0x4000_0000,
} as const;

export type NvObject = 'gpk' | 'credential' | 'credentialSignature' | 'basename' | 'rootCert';

export interface LayoutProfile {
  name: string;
  description: string;
  /** The hierarchy that owns the key and the indexes. */
  hierarchy: 'platform' | 'owner';
  /** Persistent handle of the ECDAA key. */
  keyHandle: number;
  /** NV index of each object. */
  nv: Record<NvObject, number>;
  /** TPMA_NV attributes of every index (write lock adds WRITEDEFINE). */
  nvAttributes: number;
  /**
   * Persistent handle of an owner storage root key to pre-create (the XTT client makes its
   * long-term key under 0x81000001), or undefined to leave the owner hierarchy alone.
   */
  srkHandle: number | undefined;
  /** What the device side must be told, for profiles other than the XTT default. */
  clientNote: string;
}

const XTT_NV: Record<NvObject, number> = {
  gpk: 0x0141_0000,
  credential: 0x0141_0001,
  credentialSignature: 0x0141_0002,
  basename: 0x0141_0007,
  rootCert: 0x0141_0009,
};

export const PROFILES: Record<string, LayoutProfile> = {
  'xtt-platform': {
    name: 'xtt-platform',
    description: "XTT client layout in the platform hierarchy (Xaptum's own provisioning)",
    hierarchy: 'platform',
    keyHandle: 0x8180_0000,
    nv: XTT_NV,
    // Xaptum uses PPWRITE | AUTHREAD | PLATFORMCREATE; NO_DA keeps power losses during use
    // from locking the TPM out and changes nothing for the client (domain.md §5).
    nvAttributes: TPMA_NV.PPWRITE | TPMA_NV.AUTHREAD | TPMA_NV.PLATFORMCREATE | TPMA_NV.NO_DA,
    srkHandle: 0x8100_0001,
    clientNote: 'Works with the XTT client as published; no configuration needed.',
  },
  owner: {
    name: 'owner',
    description: 'For TPMs without platform authorization: the same objects in the owner hierarchy',
    hierarchy: 'owner',
    keyHandle: 0x8100_0100,
    nv: {
      gpk: 0x0150_0000,
      credential: 0x0150_0001,
      credentialSignature: 0x0150_0002,
      basename: 0x0150_0007,
      rootCert: 0x0150_0009,
    },
    nvAttributes: TPMA_NV.OWNERWRITE | TPMA_NV.AUTHREAD | TPMA_NV.NO_DA,
    srkHandle: 0x8100_0001,
    clientNote:
      'The device client must be configured with these handles (key 0x81000100, NV ' +
      '0x01500000…0x01500009); a later TPM2_Clear by the owner erases them.',
  },
};

export function getProfile(name: string): LayoutProfile {
  const p = PROFILES[name];
  if (!p) {
    throw new Error(
      `Unknown layout profile '${name}'. Known profiles: ${Object.keys(PROFILES).join(', ')}.`,
    );
  }
  return p;
}

export function hex32(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
