import type { JsonValue } from './canonical-json.ts';
import { fromBase64Url, fromHex, toBase64Url, toHex } from './encoding.ts';
import type {
  EkCertificateCheck,
  ManifestAuditHead,
  ManifestBatch,
  ManifestGroup,
  ManifestLayout,
  ManifestOperator,
  ManifestStation,
  ProvisionedDevice,
  RejectedDevice,
} from './types.ts';

/**
 * The JSON form of each part of a version-1 manifest, and back. Byte strings are base64url
 * without padding, SHA-256 values lowercase hex, TPM handles "0x" + 8 hex digits. The field
 * sizes are the Xaptum ecdaa layouts (docs/manifest.md lists them).
 */

export const FORMAT_NAME = 'ztp-batch-manifest';
export const FORMAT_VERSION = 1;
/** JWS `typ` of the manifest (RFC 7515 §4.1.9 drops the "application/" prefix). */
export const MANIFEST_TYP = 'ztp-batch-manifest+jws';
/** JWS `typ` of the signed Merkle tree head that inclusion proofs carry. */
export const TREE_HEAD_TYP = 'ztp-merkle-tree-head+jws';
export const TREE_HEAD_FORMAT = 'ztp-merkle-tree-head';
export const PROOF_FORMAT = 'ztp-merkle-inclusion-proof';

export const SIZES = {
  issuerPublicKey: 354,
  gpk: 258,
  gid: 32,
  memberPublicKey: 161,
  credential: 260,
  credentialSignature: 64,
  signatureNoBasename: 356,
  signatureWithBasename: 421,
} as const;

/** Top-level members whose elements stream (one Merkle leaf per provisioned element). */
export const DEVICE_ARRAYS = new Set(['provisioned', 'rejected']);

export class ManifestInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly device?: string,
  ) {
    super(device === undefined ? `${field}: ${message}` : `device ${device}, ${field}: ${message}`);
    this.name = 'ManifestInputError';
  }
}

function requireSize(bytes: Uint8Array, sizes: readonly number[], field: string, device?: string) {
  if (!(bytes instanceof Uint8Array)) {
    throw new ManifestInputError(field, 'must be bytes (Uint8Array)', device);
  }
  if (!sizes.includes(bytes.length)) {
    throw new ManifestInputError(
      field,
      `is ${bytes.length} bytes; expected ${sizes.join(' or ')}`,
      device,
    );
  }
}

export function handleText(handle: number): string {
  return '0x' + handle.toString(16).padStart(8, '0');
}

export function batchJson(b: ManifestBatch): JsonValue {
  return {
    id: b.id,
    name: b.name,
    product: b.product,
    status: b.status,
    createdAt: b.createdAt,
    createdBy: b.createdBy,
    closedAt: b.closedAt,
    firstDeviceAt: b.firstDeviceAt,
    lastDeviceAt: b.lastDeviceAt,
  };
}

export function groupJson(g: ManifestGroup): JsonValue {
  requireSize(g.issuerPublicKey, [SIZES.issuerPublicKey], 'group.issuerPublicKey');
  requireSize(g.gpk, [SIZES.gpk], 'group.gpk');
  requireSize(g.gid, [SIZES.gid], 'group.gid');
  return {
    issuerPublicKey: toBase64Url(g.issuerPublicKey),
    gpk: toBase64Url(g.gpk),
    basename: toBase64Url(g.basename),
    gid: toHex(g.gid),
    curve: g.curve,
    scheme: g.scheme,
  };
}

export function layoutJson(l: ManifestLayout): JsonValue {
  const handles: Record<string, string> = {};
  for (const [name, handle] of Object.entries(l.handles)) {
    if (!Number.isInteger(handle) || handle < 0 || handle > 0xffffffff) {
      throw new ManifestInputError(`layout.handles.${name}`, 'is not a 32-bit TPM handle');
    }
    handles[name] = handleText(handle);
  }
  return { profile: l.profile, handles };
}

export function stationJson(s: ManifestStation): JsonValue {
  return {
    id: s.id,
    softwareVersion: s.softwareVersion,
    facilityKeyThumbprint: s.facilityKeyThumbprint,
  };
}

export function operatorsJson(ops: ManifestOperator[]): JsonValue {
  return ops.map((o) => ({ name: o.name, role: o.role }));
}

export function auditJson(a: ManifestAuditHead): JsonValue {
  requireSize(a.hash, [32], 'audit.hash');
  return { seq: a.seq, hash: toHex(a.hash) };
}

export function provisionedJson(d: ProvisionedDevice): JsonValue {
  const id = d.deviceId;
  if (typeof id !== 'string' || id === '') throw new ManifestInputError('deviceId', 'is empty');
  requireSize(d.memberPublicKey, [SIZES.memberPublicKey], 'memberPublicKey', id);
  requireSize(d.credential, [SIZES.credential], 'credential', id);
  requireSize(d.credentialSignature, [SIZES.credentialSignature], 'credentialSignature', id);
  requireSize(
    d.selfTest.signature,
    [SIZES.signatureNoBasename, SIZES.signatureWithBasename],
    'selfTest.signature',
    id,
  );
  if (d.joinNonce.length === 0) throw new ManifestInputError('joinNonce', 'is empty', id);
  const ekBinding: Record<string, JsonValue> = { result: d.ekBinding.result };
  if (d.ekBinding.method !== undefined) ekBinding.method = d.ekBinding.method;
  if (d.ekBinding.detail !== undefined) ekBinding.detail = d.ekBinding.detail;
  return {
    deviceId: id,
    slot: d.slot,
    provisionedAt: d.provisionedAt,
    operator: d.operator,
    tpm: {
      vendor: d.tpm.vendor,
      firmware: d.tpm.firmware,
      ekPublic: d.tpm.ekPublic.map(toBase64Url),
      ekCertificates: d.tpm.ekCertificates.map(toBase64Url),
    },
    memberPublicKey: toBase64Url(d.memberPublicKey),
    joinNonce: toBase64Url(d.joinNonce),
    credential: toBase64Url(d.credential),
    credentialSignature: toBase64Url(d.credentialSignature),
    ekBinding,
    ...(d.ekCertificateCheck ? { ekCertificateCheck: ekCertificateCheckJson(d) } : {}),
    selfTest: {
      message: toBase64Url(d.selfTest.message),
      basename: toBase64Url(d.selfTest.basename),
      signature: toBase64Url(d.selfTest.signature),
    },
  };
}

function ekCertificateCheckJson(d: ProvisionedDevice): JsonValue {
  const c = d.ekCertificateCheck!;
  return {
    result: c.result,
    policy: c.policy,
    ...(c.reason === undefined ? {} : { reason: c.reason }),
  };
}

export function rejectedJson(d: RejectedDevice): JsonValue {
  return {
    deviceId: d.deviceId,
    slot: d.slot,
    outcome: d.outcome,
    step: d.step,
    reason: d.reason,
    at: d.at,
    operator: d.operator,
  };
}

interface ProvisionedJson {
  deviceId: string;
  slot: string;
  provisionedAt: string;
  operator: string;
  tpm: { vendor: string; firmware: string; ekPublic: string[]; ekCertificates: string[] };
  memberPublicKey: string;
  joinNonce: string;
  credential: string;
  credentialSignature: string;
  ekBinding: { result: string; method?: string; detail?: string };
  ekCertificateCheck?: EkCertificateCheck;
  selfTest: { message: string; basename: string; signature: string };
}

/** The device record of a schema-valid manifest element, with its bytes decoded. */
export function decodeProvisioned(json: JsonValue): ProvisionedDevice {
  const r = json as unknown as ProvisionedJson;
  const b = (text: string, field: string) => fromBase64Url(text, field);
  return {
    deviceId: r.deviceId,
    slot: r.slot,
    provisionedAt: r.provisionedAt,
    operator: r.operator,
    tpm: {
      vendor: r.tpm.vendor,
      firmware: r.tpm.firmware,
      ekPublic: r.tpm.ekPublic.map((t) => b(t, 'tpm.ekPublic')),
      ekCertificates: r.tpm.ekCertificates.map((t) => b(t, 'tpm.ekCertificates')),
    },
    memberPublicKey: b(r.memberPublicKey, 'memberPublicKey'),
    joinNonce: b(r.joinNonce, 'joinNonce'),
    credential: b(r.credential, 'credential'),
    credentialSignature: b(r.credentialSignature, 'credentialSignature'),
    ekBinding: r.ekBinding,
    ...(r.ekCertificateCheck ? { ekCertificateCheck: r.ekCertificateCheck } : {}),
    selfTest: {
      message: b(r.selfTest.message, 'selfTest.message'),
      basename: b(r.selfTest.basename, 'selfTest.basename'),
      signature: b(r.selfTest.signature, 'selfTest.signature'),
    },
  };
}

export function decodeGroup(json: JsonValue): ManifestGroup {
  const g = json as Record<string, string>;
  return {
    issuerPublicKey: fromBase64Url(g.issuerPublicKey!, 'group.issuerPublicKey'),
    gpk: fromBase64Url(g.gpk!, 'group.gpk'),
    basename: fromBase64Url(g.basename!, 'group.basename'),
    gid: fromHex(g.gid!, 'group.gid'),
    curve: g.curve!,
    scheme: g.scheme!,
  };
}
