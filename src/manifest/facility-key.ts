import { p256 } from '@noble/curves/nist.js';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { fromBase64Url, toBase64Url } from './encoding.ts';
import type { Es256Signer } from './jws.ts';
import { parseJsonStrict } from './json-stream.ts';

/**
 * The facility key: the workstation's ECDSA P-256 key that signs manifests. Its private scalar
 * exists in clear only while a signer is open; at rest it is sealed by the keyring with the
 * key's thumbprint as context. Retired keys stay listed so manifests signed earlier verify.
 */

/** Public P-256 key as a JWK (RFC 7517/7518 §6.2), just the members RFC 7638 hashes. */
export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface FacilityPublicKey {
  jwk: EcPublicJwk;
  /** RFC 7638 SHA-256 thumbprint, base64url: the `kid` of every manifest the key signs. */
  thumbprint: string;
  /** Uncompressed point 04 ‖ x ‖ y. */
  point: Uint8Array;
}

/** A facility key as the store keeps it (the lead's `facility_keys` table). */
export interface FacilityKeyRecord {
  thumbprint: string;
  /** The public JWK as JSON text. */
  publicJwk: string;
  /** The 32-byte private scalar sealed by the keyring under `facility-key:<thumbprint>`. */
  privateSealed: Uint8Array;
  createdAt: string;
  retiredAt: string | null;
}

/** Persistence for facility keys; `Store` in src/store implements it. */
export interface FacilityKeyStore {
  listFacilityKeys(): FacilityKeyRecord[];
  insertFacilityKey(row: Omit<FacilityKeyRecord, 'retiredAt'>): void;
  retireFacilityKey(thumbprint: string, at: string): void;
}

/** What seals secrets at rest; `Keyring` in src/store implements it. */
export interface SecretSealer {
  seal(plaintext: Uint8Array, context: string): Uint8Array;
  open(sealed: Uint8Array, context: string): Uint8Array;
}

export class FacilityKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FacilityKeyError';
  }
}

/** DER prefix of a SubjectPublicKeyInfo for id-ecPublicKey / prime256v1 (RFC 5480 §2). */
const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

export function sealContext(thumbprint: string): string {
  return `facility-key:${thumbprint}`;
}

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace. */
export function jwkThumbprint(jwk: EcPublicJwk): string {
  const required = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return toBase64Url(createHash('sha256').update(canonicalJson(required), 'utf8').digest());
}

export function facilityPublicKeyFromPoint(point: Uint8Array): FacilityPublicKey {
  if (point.length !== 65 || point[0] !== 0x04) {
    throw new FacilityKeyError('a P-256 public key must be a 65-byte uncompressed point');
  }
  try {
    p256.Point.fromBytes(point).assertValidity();
  } catch {
    throw new FacilityKeyError('the public key is not a point on P-256');
  }
  const jwk: EcPublicJwk = {
    kty: 'EC',
    crv: 'P-256',
    x: toBase64Url(point.subarray(1, 33)),
    y: toBase64Url(point.subarray(33, 65)),
  };
  return { jwk, thumbprint: jwkThumbprint(jwk), point: new Uint8Array(point) };
}

export function facilityPublicKeyFromJwk(value: unknown): FacilityPublicKey {
  const jwk = value as Partial<EcPublicJwk> | null;
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
    throw new FacilityKeyError('the JWK is not an EC P-256 public key (kty "EC", crv "P-256")');
  }
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new FacilityKeyError('the JWK lacks its x and y coordinates');
  }
  const x = fromBase64Url(jwk.x, 'the JWK x coordinate');
  const y = fromBase64Url(jwk.y, 'the JWK y coordinate');
  if (x.length !== 32 || y.length !== 32) {
    throw new FacilityKeyError('the JWK coordinates must be 32 bytes each');
  }
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  return facilityPublicKeyFromPoint(point);
}

/** PEM "PUBLIC KEY" (SubjectPublicKeyInfo, RFC 5280 §4.1.2.7 with RFC 5480). */
export function publicKeyToPem(key: FacilityPublicKey): string {
  const der = Buffer.concat([SPKI_P256_PREFIX, key.point]);
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  return ['-----BEGIN PUBLIC KEY-----', ...lines, '-----END PUBLIC KEY-----', ''].join('\n');
}

/**
 * Reads a facility public key from what a receiver may hold: a PEM SubjectPublicKeyInfo, a
 * JWK, or a JWK Set (the first P-256 key, or the one whose thumbprint is `kid`).
 */
export function parseFacilityPublicKey(text: string, kid?: string): FacilityPublicKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    let jwk: unknown;
    try {
      jwk = createPublicKey({ key: trimmed, format: 'pem' }).export({ format: 'jwk' });
    } catch (e) {
      throw new FacilityKeyError(`the PEM public key cannot be read: ${(e as Error).message}`);
    }
    return facilityPublicKeyFromJwk(jwk);
  }
  if (trimmed.startsWith('{')) {
    const value = parseJsonStrict(trimmed) as { keys?: unknown };
    if (Array.isArray(value.keys)) {
      const keys = value.keys.flatMap((k) => {
        try {
          return [facilityPublicKeyFromJwk(k)];
        } catch {
          return [];
        }
      });
      const found = kid ? keys.find((k) => k.thumbprint === kid) : keys[0];
      if (!found) throw new FacilityKeyError('the JWK Set holds no matching P-256 key');
      return found;
    }
    return facilityPublicKeyFromJwk(value);
  }
  throw new FacilityKeyError('the key is neither a PEM public key nor a JWK');
}

export interface FacilitySigner extends Es256Signer {
  /** Overwrites the private scalar; the signer is unusable afterwards. */
  wipe(): void;
}

function signerFor(secret: Uint8Array): FacilitySigner {
  const pub = facilityPublicKeyFromPoint(p256.getPublicKey(secret, false));
  let wiped = false;
  return {
    thumbprint: pub.thumbprint,
    publicKey: pub.point,
    sign(digest) {
      if (wiped) throw new FacilityKeyError('the facility key signer was closed');
      if (digest.length !== 32) throw new FacilityKeyError('ES256 signs 32-byte SHA-256 digests');
      return p256.sign(digest, secret, { prehash: false });
    },
    wipe() {
      secret.fill(0);
      wiped = true;
    },
  };
}

/** A signer from a raw private scalar (tests, and keys imported for recovery). */
export function facilitySignerFromSecret(secret: Uint8Array): FacilitySigner {
  if (!p256.utils.isValidSecretKey(secret)) {
    throw new FacilityKeyError('the facility private key is not a valid P-256 scalar');
  }
  return signerFor(new Uint8Array(secret));
}

export interface CreatedFacilityKey {
  key: FacilityPublicKey;
  record: Omit<FacilityKeyRecord, 'retiredAt'>;
  /** Thumbprints of keys retired by this rotation. */
  retired: string[];
}

/**
 * Creates a new facility key, seals it, stores it, and retires the keys active before it
 * (rotation keeps them listed: old manifests still name and verify under them).
 */
export function createFacilityKey(
  store: FacilityKeyStore,
  sealer: SecretSealer,
  options: { now?: () => Date; random?: (bytes: number) => Uint8Array } = {},
): CreatedFacilityKey {
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const at = (options.now ?? (() => new Date()))().toISOString();
  // 48 bytes of seed reduce to a scalar with negligible bias (FIPS 186-5 A.2.1).
  const secret = p256.utils.randomSecretKey(random(48));
  try {
    const key = facilityPublicKeyFromPoint(p256.getPublicKey(secret, false));
    const record = {
      thumbprint: key.thumbprint,
      publicJwk: canonicalJson(key.jwk),
      privateSealed: sealer.seal(secret, sealContext(key.thumbprint)),
      createdAt: at,
    };
    const retired = activeFacilityKeys(store).map((k) => k.thumbprint);
    store.insertFacilityKey(record);
    for (const t of retired) store.retireFacilityKey(t, at);
    return { key, record, retired };
  } finally {
    secret.fill(0);
  }
}

function activeFacilityKeys(store: FacilityKeyStore): FacilityKeyRecord[] {
  return store.listFacilityKeys().filter((k) => k.retiredAt === null);
}

/** The key that signs new manifests: the newest one not retired. */
export function activeFacilityKey(store: FacilityKeyStore): FacilityKeyRecord {
  const active = activeFacilityKeys(store);
  const newest = active[active.length - 1];
  if (!newest) {
    throw new FacilityKeyError(
      'This workstation has no facility key. Create one with `ztp facility-key create` (a supervisor task).',
    );
  }
  return newest;
}

/** Every facility public key, current and retired, for verifying older manifests. */
export function facilityKeyHistory(store: FacilityKeyStore): (FacilityPublicKey & {
  createdAt: string;
  retiredAt: string | null;
})[] {
  return store.listFacilityKeys().map((r) => ({
    ...publicKeyOfRecord(r),
    createdAt: r.createdAt,
    retiredAt: r.retiredAt,
  }));
}

export function publicKeyOfRecord(record: FacilityKeyRecord): FacilityPublicKey {
  const key = facilityPublicKeyFromJwk(parseJsonStrict(record.publicJwk));
  if (key.thumbprint !== record.thumbprint) {
    throw new FacilityKeyError(
      `the stored facility key ${record.thumbprint} does not match its public JWK; the database is damaged`,
    );
  }
  return key;
}

/** Unseals a stored key for signing. Call `wipe()` when done. */
export function openFacilitySigner(
  record: FacilityKeyRecord,
  sealer: SecretSealer,
): FacilitySigner {
  const expected = publicKeyOfRecord(record);
  const secret = sealer.open(record.privateSealed, sealContext(record.thumbprint));
  const signer = facilitySignerFromSecret(secret);
  secret.fill(0);
  if (signer.thumbprint !== expected.thumbprint) {
    signer.wipe();
    throw new FacilityKeyError(
      `the sealed private key of ${record.thumbprint} does not belong to its public key; the database is damaged`,
    );
  }
  return signer;
}
