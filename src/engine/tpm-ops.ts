import type { EcdaaTpmSigner } from '../crypto/tpm-signer.ts';
import type { LayoutProfile } from './profiles.ts';

/** One endorsement key found in the TPM, with its certificate when the TPM holds one. */
export interface EkInfo {
  type: string;
  /** DER SubjectPublicKeyInfo of the EK public key, base64 (JSON-safe: stored and exported as is). */
  spkiDer: string;
  publicKeyPem: string;
  handle?: number;
  /** The TCG EK profile template (`L-1`, `H-3`…), when known. */
  template?: string;
  certificateIndex?: number;
  certificatePem?: string;
}

/** What step 1 reads from a TPM; stored with the device record and exported in manifests. */
export interface TpmIdentity {
  /** Lowercase hex SHA-256 of the chosen EK's DER SubjectPublicKeyInfo. */
  deviceId: string;
  /** The EK the device id comes from (the first with a certificate, else the first found). */
  ek: EkInfo;
  eks: EkInfo[];
  manufacturer: string;
  vendorStrings: string[];
  firmwareVersion: string;
  nvBufferMax: number;
  ecdaa: boolean;
  bnP256: boolean;
  platformAuthEmpty: boolean;
}

export interface NvPublicInfo {
  size: number;
  attributes: number;
}

/**
 * The TPM operations provisioning needs, at the level of the layout profile. Implemented on the
 * TPM layer (src/tpm) by `openTpmOps`; each call is one or a few TPM commands.
 */
export interface TpmOps {
  readonly name: string;
  /** Total time spent in TPM round trips so far, in milliseconds. */
  readonly tpmMs: number;
  /**
   * Flushes the transient objects and sessions that a killed process left loaded in a TPM
   * without a resource manager (swtpm, a raw device), where they stay until power-off and make
   * the next Create fail with TPM_RC_OBJECT_MEMORY. Such TPMs allow one client at a time, so
   * everything loaded is a leftover. Behind the kernel's resource manager it does nothing.
   * Returns the handles flushed.
   */
  flushLeftovers(): Promise<number[]>;
  identify(): Promise<TpmIdentity>;
  /** The public point Q (65 bytes) of the ECC key persisted at `handle`, or undefined if free. */
  readPersistentKey(handle: number): Promise<Uint8Array | undefined>;
  nvPublic(index: number): Promise<NvPublicInfo | undefined>;
  /** Creates the storage primary and the ECDAA key, persists it at the profile's handle. */
  createEcdaaKey(profile: LayoutProfile): Promise<{ Q: Uint8Array; name: Uint8Array }>;
  /** Makes the owner SRK at `handle` when missing; returns false when the owner refuses. */
  ensureStorageRootKey(handle: number): Promise<boolean>;
  evictPersistent(profile: LayoutProfile, handle: number): Promise<void>;
  nvUndefine(profile: LayoutProfile, index: number): Promise<void>;
  nvDefineAndWrite(
    profile: LayoutProfile,
    index: number,
    data: Uint8Array,
    lock: boolean,
  ): Promise<void>;
  /** Reads an index as the XTT client does: the index as its own auth, empty password. */
  nvRead(index: number): Promise<Uint8Array>;
  /**
   * Proves that the key at `keyHandle` lives in the same TPM as the EK: MakeCredential on the
   * host over the key's name, ActivateCredential in the TPM.
   */
  ekBinding(
    keyHandle: number,
    keyName: Uint8Array,
    ek: EkInfo,
  ): Promise<{ ok: boolean; method: string; detail?: string }>;
  signer(keyHandle: number): Promise<EcdaaTpmSigner>;
  close(): Promise<void>;
}
