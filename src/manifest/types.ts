/**
 * What the engine hands to the manifest writer (format version 1). Bytes are Uint8Array,
 * times are ISO 8601 / RFC 3339 UTC strings. Device lists may be (async) iterables so that a
 * batch of 100k devices streams from the store without being held in memory.
 */

export type BatchStatus = 'open' | 'closed' | 'exported';

export interface ManifestBatch {
  id: string;
  name: string;
  product: string;
  status: BatchStatus;
  createdAt: string;
  createdBy: string;
  closedAt: string | null;
  /** When the first device was started, if any was. */
  firstDeviceAt: string | null;
  /** When the last device finished, if any did. */
  lastDeviceAt: string | null;
}

export interface ManifestGroup {
  /** Issuer public key with its proof, 354 bytes (X ‖ Y ‖ c ‖ sx ‖ sy). */
  issuerPublicKey: Uint8Array;
  /** Group public key, 258 bytes: the first 258 bytes of the issuer public key. */
  gpk: Uint8Array;
  /** The batch basename written to NV 0x01410007. */
  basename: Uint8Array;
  /** gid = SHA-256(GPK ‖ basename), 32 bytes, as XTT computes it. */
  gid: Uint8Array;
  /** 'TPM_ECC_BN_P256' */
  curve: string;
  /** 'ECDAA' (Xaptum ecdaa 1.0, FIDO ECDAA compatible) */
  scheme: string;
}

export interface ManifestLayout {
  /** Profile name, e.g. 'xtt-platform'. */
  profile: string;
  /** Object name → TPM handle, e.g. { key: 0x81800000, gpk: 0x01410000, … }. */
  handles: Record<string, number>;
}

export interface ManifestStation {
  id: string;
  softwareVersion: string;
  /** Thumbprint of the facility key that signs this manifest. */
  facilityKeyThumbprint: string;
}

export interface ManifestOperator {
  name: string;
  role: string;
}

export interface ManifestAuditHead {
  /** Sequence number of the newest audit event of the batch. */
  seq: number;
  /** Its chained hash, 32 bytes. */
  hash: Uint8Array;
}

export interface EkBindingResult {
  /** e.g. 'verified' (credential activation against the EK passed), 'skipped', 'failed'. */
  result: string;
  /** How it was checked, e.g. 'ek-certificate-chain' or 'activate-credential'. */
  method?: string;
  detail?: string;
}

/** The EK certificate check: `untrusted` devices were provisioned under policy `warn`. */
export interface EkCertificateCheck {
  result: 'trusted' | 'untrusted' | 'not-checked';
  /** The batch's EK certificate policy: 'require', 'warn' or 'off'. */
  policy: string;
  /** Why the certificate is not trusted. */
  reason?: string;
}

/** One provisioned device: everything the cloud needs to know and re-check about it. */
export interface ProvisionedDevice {
  deviceId: string;
  slot: string;
  provisionedAt: string;
  operator: string;
  tpm: {
    vendor: string;
    firmware: string;
    /** EK public area(s) as read from the TPM (TPM2B_PUBLIC contents). */
    ekPublic: Uint8Array[];
    /** EK certificates (DER), as stored in the TPM's NV. */
    ekCertificates: Uint8Array[];
  };
  /** Member public key, 161 bytes (Q ‖ c ‖ s ‖ n). */
  memberPublicKey: Uint8Array;
  /** The issuer's join nonce, raw bytes. */
  joinNonce: Uint8Array;
  /** Credential, 260 bytes (A ‖ B ‖ C ‖ D). */
  credential: Uint8Array;
  /** Credential signature, 64 bytes (c ‖ s). */
  credentialSignature: Uint8Array;
  ekBinding: EkBindingResult;
  /** The EK certificate check under the batch's policy (absent in older manifests). */
  ekCertificateCheck?: EkCertificateCheck;
  selfTest: {
    message: Uint8Array;
    /** Basename of the self-test signature (the batch basename); empty for none. */
    basename: Uint8Array;
    /** 421 bytes with a basename, 356 without. */
    signature: Uint8Array;
  };
}

export type RejectedOutcome = 'failed' | 'set-aside' | 'rolled-back';

/** A device that did not end provisioned, with the reason. */
export interface RejectedDevice {
  /** Device id when the TPM's identity could be read. */
  deviceId: string | null;
  slot: string;
  outcome: RejectedOutcome;
  /** The step where it stopped, e.g. 'join', 'nv-write', 'self-test'. */
  step: string;
  reason: string;
  at: string;
  operator: string;
}

export type DeviceSource<T> = Iterable<T> | AsyncIterable<T>;

export interface ManifestInput {
  batch: ManifestBatch;
  group: ManifestGroup;
  layout: ManifestLayout;
  station: ManifestStation;
  /** Everyone who acted on the batch. */
  operators: ManifestOperator[];
  audit: ManifestAuditHead;
  provisioned: DeviceSource<ProvisionedDevice>;
  rejected: DeviceSource<RejectedDevice>;
  /** Export time; defaults to now. */
  issuedAt?: string;
}

/** Counts as the manifest states them. */
export interface ManifestCounts {
  provisioned: number;
  rejected: number;
  failed: number;
  setAside: number;
  rolledBack: number;
}
