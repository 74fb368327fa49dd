// Xaptum's deterministic RNG used to make shared/vectors/xaptum-ecdaa (domain.md §6): the byte
// stream SHA-256(seed ‖ BE32(0)) ‖ SHA-256(seed ‖ BE32(1)) ‖ …; each scalar draw takes 65
// bytes of it and uses 64, each byte bit-reversed (AMCL's BIG_randomnum consumes bits LSB
// first), read big-endian and reduced mod n.
import { sha256 } from '@noble/hashes/sha2.js';
import { GROUP_ORDER } from '../../src/crypto/fp256bn.ts';
import type { Rng } from '../../src/crypto/ecdaa.ts';

export const XAPTUM_VECTOR_SEED = 'xaptum-ecdaa-vector-seed';
export const DRAW_BYTES = 65;

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/** The raw stream: `length` bytes from `offset`. */
export function xaptumStream(
  offset: number,
  length: number,
  seed = XAPTUM_VECTOR_SEED,
): Uint8Array {
  const out = new Uint8Array(length);
  const seedBytes = new TextEncoder().encode(seed);
  for (let i = 0; i < length; i++) {
    const pos = offset + i;
    const block = Math.floor(pos / 32);
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, block, false);
    const h = sha256(new Uint8Array([...seedBytes, ...counter]));
    out[i] = h[pos % 32]!;
  }
  return out;
}

/** An Rng replaying the stream from `offset`; `position()` tells where the next draw starts. */
export function xaptumRng(offset = 0, seed = XAPTUM_VECTOR_SEED): Rng & { position(): number } {
  let pos = offset;
  const rng = () => {
    const draw = xaptumStream(pos, DRAW_BYTES, seed);
    pos += DRAW_BYTES;
    let v = 0n;
    for (const b of draw.subarray(0, 64)) v = (v << 8n) | BigInt(reverseBits(b));
    return v % GROUP_ORDER;
  };
  return Object.assign(rng, { position: () => pos });
}
