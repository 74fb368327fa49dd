/**
 * Byte encodings used in the manifest: base64url without padding (RFC 4648 §5, as JOSE uses
 * it) for byte strings, lowercase hex for SHA-256 digests. Decoding is strict because Node's
 * own decoder silently skips characters outside the alphabet.
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const HEX = /^(?:[0-9a-f]{2})*$/;

export class EncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodingError';
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Decodes unpadded base64url; rejects other characters, padding and non-canonical endings. */
export function fromBase64Url(text: string, what = 'value'): Uint8Array {
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    throw new EncodingError(`${what} is not base64url (RFC 4648 §5, no padding)`);
  }
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  // The last character may carry unused bits; only the encoding with them zero is accepted,
  // so that each byte string has exactly one text form.
  if (toBase64Url(bytes) !== text) {
    throw new EncodingError(`${what} is not in canonical base64url form (unused bits set)`);
  }
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text: string, what = 'value'): Uint8Array {
  if (!HEX.test(text)) throw new EncodingError(`${what} is not lowercase hex`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
