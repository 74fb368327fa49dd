// Base45 (RFC 9285): two bytes become three characters of the QR alphanumeric set, so a binary
// record rides in the QR code's denser alphanumeric mode and survives scanners that only pass
// text on. Written here rather than taken from the `base45` package because that package does
// not reject malformed input (unknown characters, triples above 65535, a dangling character),
// which RFC 9285 §4 requires and which a label check must not let through.

/** The 45 characters, in RFC 9285 order; exactly QR Code's alphanumeric character set. */
export const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const VALUE = new Map<string, number>([...BASE45_ALPHABET].map((c, i) => [c, i]));

/** Encodes bytes as base45 text (RFC 9285 §4.1). */
export function base45Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    let n = bytes[i]! * 256 + bytes[i + 1]!;
    const c = n % 45;
    n = (n - c) / 45;
    const d = n % 45;
    const e = (n - d) / 45;
    out += BASE45_ALPHABET[c]! + BASE45_ALPHABET[d]! + BASE45_ALPHABET[e]!;
  }
  if (bytes.length % 2 === 1) {
    const n = bytes[bytes.length - 1]!;
    out += BASE45_ALPHABET[n % 45]! + BASE45_ALPHABET[Math.floor(n / 45)]!;
  }
  return out;
}

/** Decodes base45 text; throws on any character outside the alphabet or any invalid group. */
export function base45Decode(text: string): Uint8Array {
  if (text.length % 3 === 1) {
    throw new Error(`base45 text has ${text.length} characters; a valid length is never 3k+1`);
  }
  const digits = [...text].map((ch, i) => {
    const v = VALUE.get(ch);
    if (v === undefined) {
      throw new Error(
        `base45 text has ${JSON.stringify(ch)} at position ${i}, outside the alphabet`,
      );
    }
    return v;
  });
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < digits.length; i += 3) {
    if (i + 2 < digits.length) {
      const n = digits[i]! + digits[i + 1]! * 45 + digits[i + 2]! * 2025;
      if (n > 0xffff) throw new Error(`base45 group at position ${i} decodes to ${n} > 65535`);
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = digits[i]! + digits[i + 1]! * 45;
      if (n > 0xff) throw new Error(`base45 final pair at position ${i} decodes to ${n} > 255`);
      out[o++] = n;
    }
  }
  return out;
}
