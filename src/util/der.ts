/**
 * The total length of the DER SEQUENCE at the start of `b` (X.690 §8.1.3: tag 0x30, short or
 * long length form up to 3 octets), or null when `b` does not start with one that fits in it.
 * Certificates stored in NV indexes are often padded past their end, and a PEM body must
 * decode to exactly one.
 */
export function derSequenceLength(b: Uint8Array): number | null {
  if (b.length < 2 || b[0] !== 0x30) return null;
  const first = b[1]!;
  if (first < 0x80) return 2 + first <= b.length ? 2 + first : null;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 3 || b.length < 2 + octets) return null;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + b[2 + i]!;
  return 2 + octets + length <= b.length ? 2 + octets + length : null;
}
