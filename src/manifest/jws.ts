import { p256 } from '@noble/curves/nist.js';
import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { fromBase64Url, toBase64Url } from './encoding.ts';
import { JsonSyntaxError, parseJsonStrict } from './json-stream.ts';

/**
 * The JWS pieces the manifest needs (RFC 7515 with ES256 from RFC 7518 §3.4): a protected
 * header, a signing input hashed as it streams, and the 64-byte R ‖ S signature. The signature
 * is computed over SHA-256(ASCII(BASE64URL(header) ‖ '.' ‖ BASE64URL(payload))), which lets a
 * writer hash a payload of any size piece by piece.
 */

/** What signs manifests: the facility key, unsealed only for the duration of an export. */
export interface Es256Signer {
  /** RFC 7638 thumbprint of the public key: the JWS `kid`. */
  readonly thumbprint: string;
  /** Uncompressed P-256 point, 65 bytes. */
  readonly publicKey: Uint8Array;
  /** ECDSA P-256 over a SHA-256 digest (already hashed): returns R ‖ S, 64 bytes. */
  sign(digest: Uint8Array): Uint8Array;
}

export interface JwsHeader {
  alg: 'ES256';
  kid: string;
  typ: string;
  [name: string]: JsonValue;
}

export class JwsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwsError';
  }
}

/** The header's base64url text; the header itself is canonical JSON so it has one form. */
export function encodeProtectedHeader(header: JwsHeader): string {
  return toBase64Url(Buffer.from(canonicalJson(header), 'utf8'));
}

/** Decodes and checks a protected header: ES256, a kid, no `crit` we would have to honour. */
export function decodeProtectedHeader(encoded: string): JwsHeader {
  let value: JsonValue;
  try {
    value = parseJsonStrict(fromBase64Url(encoded, 'the protected header'));
  } catch (e) {
    const why = e instanceof JsonSyntaxError ? `is not JSON: ${e.message}` : (e as Error).message;
    throw new JwsError(`the JWS protected header ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwsError('the JWS protected header is not a JSON object');
  }
  if (value.alg !== 'ES256') {
    throw new JwsError(`the JWS algorithm is ${JSON.stringify(value.alg)}; only ES256 is accepted`);
  }
  if (typeof value.kid !== 'string' || value.kid === '') {
    throw new JwsError('the JWS protected header has no kid (the facility key thumbprint)');
  }
  if (typeof value.typ !== 'string') throw new JwsError('the JWS protected header has no typ');
  if ('crit' in value) {
    throw new JwsError(
      'the JWS protected header lists critical extensions this verifier does not know',
    );
  }
  return value as JwsHeader;
}

/** Incremental SHA-256 over the JWS signing input. */
export class SigningInputHash {
  private readonly hash = createHash('sha256');

  constructor(encodedHeader: string) {
    this.hash.update(encodedHeader, 'latin1').update('.', 'latin1');
  }

  /** Adds base64url payload text, as a string or as its ASCII bytes (as read from a file). */
  update(payloadText: string | Uint8Array): void {
    if (typeof payloadText === 'string') this.hash.update(payloadText, 'latin1');
    else this.hash.update(payloadText);
  }

  digest(): Uint8Array {
    return new Uint8Array(this.hash.digest());
  }
}

/** ES256 check of a signature over a digest; malformed keys or signatures count as invalid. */
export function es256VerifyDigest(
  publicKey: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64) return false;
  try {
    // ES256 does not require low S (RFC 7518 §3.4), and WebCrypto signers do not produce it.
    return p256.verify(signature, digest, publicKey, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}

/** A complete compact JWS (RFC 7515 §7.1) for small payloads such as the Merkle tree head. */
export function signCompactJws(
  header: JwsHeader,
  payload: Uint8Array,
  signer: Es256Signer,
): string {
  const encodedHeader = encodeProtectedHeader(header);
  const encodedPayload = toBase64Url(payload);
  const hash = new SigningInputHash(encodedHeader);
  hash.update(encodedPayload);
  return `${encodedHeader}.${encodedPayload}.${toBase64Url(signer.sign(hash.digest()))}`;
}

export interface CompactJwsParts {
  header: JwsHeader;
  payload: Uint8Array;
  /** Whether the signature holds under the given key. */
  valid: boolean;
}

/** Splits a compact JWS and checks its signature under `publicKey`. Malformed input throws. */
export function verifyCompactJws(jws: string, publicKey: Uint8Array): CompactJwsParts {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new JwsError('a compact JWS has exactly three dot-separated parts');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeProtectedHeader(encodedHeader);
  const payload = fromBase64Url(encodedPayload, 'the JWS payload');
  const signature = fromBase64Url(encodedSignature, 'the JWS signature');
  const hash = new SigningInputHash(encodedHeader);
  hash.update(encodedPayload);
  return { header, payload, valid: es256VerifyDigest(publicKey, hash.digest(), signature) };
}
