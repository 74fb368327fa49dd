/**
 * TPM_ECC_BN_P256, called FP256BN in AMCL/Milagro and in Xaptum's ecdaa: a Barreto–Naehrig
 * curve with a negative parameter u and an M-type sextic twist. Assembled from the public
 * building blocks of `@noble/curves` 2.4.0 (its own `bn254` is a different curve).
 *
 * Parameters (TCG Algorithm Registry "TPM_ECC_BN_P256"; AMCL `rom_curve` FP256BN):
 * - u  = −0x6882F5C030B0A801
 * - p  = 36u⁴ + 36u³ + 24u² + 6u + 1, n = 36u⁴ + 36u³ + 18u² + 6u + 1 (prime)
 * - G1 : y² = x³ + 3 over Fp, generator P1 = (1, 2), cofactor 1
 * - Fp2 = Fp[i]/(i² + 1), ξ = 1 + i; Fp6 = Fp2[v]/(v³ − ξ); Fp12 = Fp6[w]/(w² − v)
 * - G2 : y² = x³ + 3ξ over Fp2 (M-type twist), generator P2 from AMCL/Milagro, cofactor 2p − n
 * - pairing: optimal ate with loop |6u + 2|, final exponentiation by exactly (p¹² − 1)/n, so
 *   GT values are identical to AMCL/Milagro's (see `finalExponentiate`).
 *
 * Encodings are Xaptum's (all big-endian): G1 `04 ‖ x ‖ y` (65 bytes), G2
 * `04 ‖ x.a ‖ x.b ‖ y.a ‖ y.b` (129 bytes) with x = x.a + x.b·i, scalars 32 bytes.
 */
import { blsBasic, type BlsPostPrecomputeFn } from '@noble/curves/abstract/bls.js';
import { Field } from '@noble/curves/abstract/modular.js';
import {
  psiFrobenius,
  tower12,
  type Fp12 as Fp12Element,
  type Fp2 as Fp2Element,
} from '@noble/curves/abstract/tower.js';
import {
  weierstrass,
  type WeierstrassPoint,
  type WeierstrassPointCons,
} from '@noble/curves/abstract/weierstrass.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** BN parameter u (negative). Source: TCG Algorithm Registry, AMCL `CURVE_Bnx`. */
export const BN_U = -0x6882f5c030b0a801n;
/** Base-field prime p = 36u⁴ + 36u³ + 24u² + 6u + 1. */
export const FIELD_P = 0xfffffffffffcf0cd46e5f25eee71a49f0cdc65fb12980a82d3292ddbaed33013n;
/** Prime group order n = 36u⁴ + 36u³ + 18u² + 6u + 1. */
export const GROUP_ORDER = 0xfffffffffffcf0cd46e5f25eee71a49e0cdc65fb1299921af62d536cd10b500dn;
/** Curve coefficient b of G1 (y² = x³ + b). */
export const CURVE_B = 3n;
/** G2 cofactor 2p − n. */
export const G2_COFACTOR = 2n * FIELD_P - GROUP_ORDER;
/** Optimal-ate Miller loop length |6u + 2|. */
export const ATE_LOOP = 0x27311c2812423f004n;
/** Byte lengths of Xaptum's encodings. */
export const SCALAR_BYTES = 32;
export const G1_BYTES = 65;
export const G2_BYTES = 129;

/** G2 generator (AMCL/Milagro `CURVE_Pxa`…`CURVE_Pyb`, also Xaptum's and MIRACL Core's). */
const P2_XA = 0xfe0c3350b4c96c2028560f577c28913ace1c539a12bf843cd22616b689c09efbn;
const P2_XB = 0x4ea66057738ac054db5ae1c637d813b924dd78e287d03589d269ed34a37e6a2bn;
const P2_YA = 0x702046e7c542a3b376770d75124e3e51efcb24758d615848e909b481bedc27ffn;
const P2_YB = 0x0554e3bcd388c29042eea649297eb29f8b4cbe80821a98b3e01281114aad049bn;

/**
 * GLV endomorphism on G1: (x, y) ↦ (β·x, y) equals [λ]P. β and λ are AMCL's `CURVE_Cru` and
 * the matching cube root of unity mod n; the short lattice basis for λ was obtained by the
 * extended Euclidean reduction of (n, 0), (−λ, 1) and is re-checked by the tests.
 */
export const GLV_BETA = 0x13988e140921018659bcdd79df1932d1edb1c0a24a3a1b807n;
export const GLV_LAMBDA = 0x27311c281242030ce379baf3be321c37067081e9398533016n;
const GLV_BASIS: [[bigint, bigint], [bigint, bigint]] = [
  [0xd105eb8061615001n, -0xfffffffffffe78663af0036e1b054003n],
  [0xfffffffffffe78670bf5eeee7c669004n, 0xd105eb8061615001n],
];

const U_ABS = -BN_U;
const SIX_U_SQUARED = 6n * BN_U * BN_U;

// The tower's final exponentiation needs the finished Fp12 object while tower12 builds it.
// eslint-disable-next-line prefer-const
let Fp12f: ReturnType<typeof tower12>['Fp12'];

/** f^u for f in the cyclotomic subgroup: u < 0, so conjugate (= invert there) f^|u|. */
function cyclotomicPowU(f: Fp12Element): Fp12Element {
  return Fp12f.conjugate(Fp12f._cyclotomicExp(f, U_ABS));
}

/**
 * f^((p¹² − 1)/n) exactly, so GT bytes agree with AMCL/Milagro (noble's bn254 hard part
 * raises to a multiple of that exponent, which is still bilinear but matches no one else).
 * Easy part (p⁶ − 1)(p² + 1); hard part (p⁴ − p² + 1)/n = λ0 + λ1·p + λ2·p² + λ3·p³ with
 * λ3 = 1, λ2 = 6u² + 1, λ1 = −36u³ − 18u² − 12u + 1, λ0 = −36u³ − 30u² − 18u − 2
 * (Scott et al., "On the final exponentiation for calculating pairings on ordinary elliptic
 * curves", 2009; the identity is checked exactly in the tests).
 */
function finalExponentiate(m: Fp12Element): Fp12Element {
  const F = Fp12f;
  const sq = (x: Fp12Element) => F._cyclotomicSquare(x);
  let f = F.mul(F.conjugate(m), F.inv(m));
  f = F.mul(F.frobeniusMap(f, 2), f);
  const a = cyclotomicPowU(f); // f^u
  const b = cyclotomicPowU(a); // f^u²
  const c = cyclotomicPowU(b); // f^u³
  const a2 = sq(a);
  const a6 = F.mul(sq(a2), a2);
  const a12 = sq(a6);
  const a18 = F.mul(a12, a6);
  const b2 = sq(b);
  const b6 = F.mul(sq(b2), b2);
  const b12 = sq(b6);
  const b18 = F.mul(b12, b6);
  const b30 = F.mul(b18, b12);
  const c4 = sq(sq(c));
  const c36 = F.mul(sq(sq(sq(c4))), c4);
  const c36b18 = F.mul(c36, b18);
  const t0 = F.conjugate(F.mul(F.mul(F.mul(c36, b30), a18), sq(f)));
  const t1 = F.mul(F.conjugate(F.mul(c36b18, a12)), f);
  const t2 = F.mul(b6, f);
  return F.mul(
    F.mul(t0, F.frobeniusMap(t1, 1)),
    F.mul(F.frobeniusMap(t2, 2), F.frobeniusMap(f, 3)),
  );
}

const tower = tower12({
  ORDER: FIELD_P,
  X_LEN: 63, // bit length of |u|
  FP2_NONRESIDUE: [1n, 1n], // ξ = 1 + i
  Fp2mulByB: (num: Fp2Element) => tower.Fp2.mulByNonresidue(tower.Fp2.mul(num, 3n)), // ·3(1 + i)
  Fp12finalExponentiate: finalExponentiate,
});
Fp12f = tower.Fp12;

export const Fp = tower.Fp;
export const Fp2 = tower.Fp2;
export const Fp12 = tower.Fp12;
/** The scalar field (integers mod n). */
export const Fn = Field(GROUP_ORDER);

// For an M-type twist the Frobenius-twisted map ψ uses powers of 1/ξ (as for BLS12-381).
const frob = psiFrobenius(Fp, Fp2, Fp2.inv(Fp2.NONRESIDUE));

/** G1: the TPM's TPM_ECC_BN_P256 curve, prime order n. */
export const G1Point: WeierstrassPointCons<bigint> = weierstrass(
  { p: FIELD_P, n: GROUP_ORDER, h: 1n, a: 0n, b: CURVE_B, Gx: 1n, Gy: 2n },
  { Fp, Fn, endo: { beta: GLV_BETA, basises: GLV_BASIS } },
);

/** G2 on the twist; points outside the order-n subgroup fail `assertValidity()`. */
export const G2Point: WeierstrassPointCons<Fp2Element> = weierstrass(
  {
    p: Fp2.ORDER,
    n: GROUP_ORDER,
    h: G2_COFACTOR,
    a: Fp2.ZERO,
    b: Fp2.mulByB(Fp2.ONE),
    Gx: Fp2.fromBigTuple([P2_XA, P2_XB]),
    Gy: Fp2.fromBigTuple([P2_YA, P2_YB]),
  },
  {
    Fp: Fp2,
    Fn,
    // ψ acts on G2 as multiplication by p ≡ 6u² (mod n): one 128-bit multiplication instead
    // of a 256-bit one (Scott, "A note on group membership tests for G1, G2 and GT", 2021).
    isTorsionFree: (c, P) => P.multiplyUnsafe(SIX_U_SQUARED).equals(frob.G2psi(c, P)),
    // The cofactor exceeds n, which multiplyUnsafe refuses: split it into two scalars < n.
    clearCofactor: (_c, P) => {
      const half = G2_COFACTOR >> 1n;
      return P.multiplyUnsafe(half).add(P.multiplyUnsafe(G2_COFACTOR - half));
    },
  },
);

export type G1 = WeierstrassPoint<bigint>;
export type G2 = WeierstrassPoint<Fp2Element>;
export type GT = Fp12Element;

/**
 * Closes the optimal-ate loop with the lines through π(Q) and π²(Q). noble walks |6u + 2| and
 * conjugates afterwards because u < 0, so the signs are the opposite of bn254's: −π(Q), +π²(Q).
 */
const postPrecompute: BlsPostPrecomputeFn = (Rx, Ry, Rz, Qx, Qy, pointAdd) => {
  const q = frob.psi(Qx, Qy);
  ({ Rx, Ry, Rz } = pointAdd(Rx, Ry, Rz, q[0], Fp2.neg(q[1])));
  const q2 = frob.psi2(Qx, Qy);
  pointAdd(Rx, Ry, Rz, q2[0], q2[1]);
};

const curve = blsBasic({ Fp, Fp2, Fp6: tower.Fp6, Fp12, Fr: Fn }, G1Point, G2Point, {
  ateLoopSize: ATE_LOOP,
  xNegative: true,
  twistType: 'multiplicative',
  postPrecompute,
});

/** Miller-loop line coefficients of one G2 point: reusable for every pairing with it. */
export type G2Prepared = ReturnType<typeof curve.utils.calcPairingPrecomputes>;

/** Precomputes the Miller-loop lines of a fixed G2 point (P2, the issuer's X and Y). */
export function prepareG2(q: G2): G2Prepared {
  if (q.is0()) throw new Error('cannot pair with the G2 identity');
  return curve.utils.calcPairingPrecomputes(q);
}

/** e(P, Q), byte-identical to AMCL/Milagro's `PAIR.fexp(PAIR.ate(Q, P))`. */
export function pairing(p: G1, q: G2): GT {
  return curve.pairing(p, q);
}

/**
 * ∏ e(Pᵢ, Qᵢ) with one shared final exponentiation. Each Q may be a point or its
 * `prepareG2` table. Identity G1 terms contribute 1 and are skipped.
 */
export function pairingProduct(pairs: ReadonlyArray<readonly [G1, G2 | G2Prepared]>): GT {
  const input: [G2Prepared, bigint, bigint][] = [];
  for (const [p, q] of pairs) {
    if (p.is0()) continue;
    const lines = Array.isArray(q) ? q : prepareG2(q as G2);
    const { x, y } = p.toAffine();
    input.push([lines, x, y]);
  }
  return Fp12.finalExponentiate(curve.millerLoopBatch(input));
}

/** The two generators. */
export const P1: G1 = G1Point.BASE;
export const P2: G2 = G2Point.BASE;
// Fixed-window tables for the generators (built on first use) make every key, credential and
// proof cheaper; multiplication by a secret stays constant time, as noble walks every window.
P1.precompute(8);
P2.precompute(4);

/** Thrown for malformed points and scalars; the message says which rule failed. */
export class EncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodingError';
  }
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Big-endian, exactly `length` bytes. */
export function bigintToBytes(value: bigint, length = SCALAR_BYTES): Uint8Array {
  if (value < 0n || value >> BigInt(8 * length) !== 0n) {
    throw new RangeError(`value does not fit in ${length} bytes`);
  }
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

function coordinate(bytes: Uint8Array, offset: number, what: string, name: string): bigint {
  const v = bytesToBigint(bytes.subarray(offset, offset + 32));
  if (v >= FIELD_P) {
    throw new EncodingError(`${what}: coordinate ${name} is not below the field prime p`);
  }
  return v;
}

function checkLengthAndPrefix(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new EncodingError(`${what}: expected bytes`);
  if (bytes.length !== length) {
    throw new EncodingError(`${what}: expected ${length} bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== 0x04) {
    throw new EncodingError(
      `${what}: expected the uncompressed prefix 0x04, got 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}`,
    );
  }
}

/**
 * Strict G1 decoding (domain.md §2): 65 bytes, prefix 04, x and y below p, on the curve.
 * The identity has no encoding here, so it can never be decoded.
 */
export function decodeG1(bytes: Uint8Array, what = 'G1 point'): G1 {
  checkLengthAndPrefix(bytes, G1_BYTES, what);
  const x = coordinate(bytes, 1, what, 'x');
  const y = coordinate(bytes, 33, what, 'y');
  if (Fp.sqr(y) !== Fp.add(Fp.mul(Fp.sqr(x), x), CURVE_B)) {
    throw new EncodingError(`${what}: (x, y) is not on the curve y² = x³ + 3`);
  }
  return G1Point.fromAffine({ x, y });
}

/** `04 ‖ x ‖ y`; the identity has no encoding. */
export function encodeG1(p: G1): Uint8Array {
  if (p.is0()) throw new EncodingError('cannot encode the G1 identity');
  return p.toBytes(false);
}

/**
 * Strict G2 decoding: 129 bytes, prefix 04, every coordinate below p, on the twist, and in
 * the order-n subgroup (the twist has many points outside it).
 */
export function decodeG2(bytes: Uint8Array, what = 'G2 point'): G2 {
  checkLengthAndPrefix(bytes, G2_BYTES, what);
  const x = { c0: coordinate(bytes, 1, what, 'x.a'), c1: coordinate(bytes, 33, what, 'x.b') };
  const y = { c0: coordinate(bytes, 65, what, 'y.a'), c1: coordinate(bytes, 97, what, 'y.b') };
  if (!Fp2.eql(Fp2.sqr(y), Fp2.add(Fp2.mul(Fp2.sqr(x), x), Fp2.mulByB(Fp2.ONE)))) {
    throw new EncodingError(`${what}: (x, y) is not on the twist y² = x³ + 3(1 + i)`);
  }
  const q = G2Point.fromAffine({ x, y });
  if (!q.isTorsionFree()) {
    throw new EncodingError(`${what}: the point is on the twist but outside the order-n subgroup`);
  }
  return q;
}

/** `04 ‖ x.a ‖ x.b ‖ y.a ‖ y.b`; the identity has no encoding. */
export function encodeG2(q: G2): Uint8Array {
  if (q.is0()) throw new EncodingError('cannot encode the G2 identity');
  const { x, y } = q.toAffine();
  const out = new Uint8Array(G2_BYTES);
  out[0] = 0x04;
  out.set(bigintToBytes(x.c0), 1);
  out.set(bigintToBytes(x.c1), 33);
  out.set(bigintToBytes(y.c0), 65);
  out.set(bigintToBytes(y.c1), 97);
  return out;
}

/**
 * A 32-byte scalar. Xaptum's layouts carry reduced scalars, so a value ≥ n is rejected;
 * `nonZero` also rejects 0 where a zero scalar would make a key or proof meaningless.
 */
export function decodeScalar(bytes: Uint8Array, what = 'scalar', nonZero = false): bigint {
  if (!(bytes instanceof Uint8Array)) throw new EncodingError(`${what}: expected bytes`);
  if (bytes.length !== SCALAR_BYTES) {
    throw new EncodingError(`${what}: expected ${SCALAR_BYTES} bytes, got ${bytes.length}`);
  }
  const v = bytesToBigint(bytes);
  if (v >= GROUP_ORDER) throw new EncodingError(`${what}: not reduced below the group order n`);
  if (nonZero && v === 0n) throw new EncodingError(`${what}: must not be zero`);
  return v;
}

export function encodeScalar(s: bigint): Uint8Array {
  if (s < 0n || s >= GROUP_ORDER) throw new RangeError('scalar out of range [0, n)');
  return bigintToBytes(s);
}

/** SHA-256 of the concatenation, read big-endian, mod n (Xaptum's `H`). */
export function hashToScalar(...parts: Uint8Array[]): bigint {
  const h = sha256.create();
  for (const part of parts) h.update(part);
  return bytesToBigint(h.digest()) % GROUP_ORDER;
}

const HASH_TO_G1_MAX_TRIES = 232;

/**
 * Xaptum's hash_to_G1 (AMCL `ECP_fromHash` as used by ecdaa): for i = 0, 1, …:
 * x = SHA-256(LE32(i) ‖ bsn) mod n (n, not p), first x with x³ + 3 a square, even root y.
 * Returns the point and the counter i (the TPM needs s2 = LE32(i) ‖ bsn).
 */
export function hashToG1(bsn: Uint8Array): { point: G1; i: number } {
  // A batch signs and checks every device under one basename: remember the last few.
  const key = Buffer.from(bsn).toString('hex');
  const hit = hashToG1Cache.get(key);
  if (hit) return { ...hit };
  const fresh = hashToG1Uncached(bsn);
  hashToG1Cache.set(key, fresh);
  if (hashToG1Cache.size > HASH_TO_G1_CACHE_LIMIT) {
    hashToG1Cache.delete(hashToG1Cache.keys().next().value as string);
  }
  return { ...fresh };
}

const HASH_TO_G1_CACHE_LIMIT = 16;
const hashToG1Cache = new Map<string, { point: G1; i: number }>();

function hashToG1Uncached(bsn: Uint8Array): { point: G1; i: number } {
  for (let i = 0; i < HASH_TO_G1_MAX_TRIES; i++) {
    const prefix = new Uint8Array([i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24]);
    const x = Fp.create(hashToScalar(prefix, bsn));
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), CURVE_B);
    let y: bigint;
    try {
      y = Fp.sqrt(rhs);
    } catch {
      continue;
    }
    if (y & 1n) y = Fp.neg(y);
    return { point: G1Point.fromAffine({ x, y }), i };
  }
  throw new Error(`hash_to_G1: no curve point within ${HASH_TO_G1_MAX_TRIES} tries`);
}

/** Bytes of a GT element in AMCL's FP12 order (for cross-checks against Milagro). */
export function gtToBytes(f: GT): Uint8Array {
  // AMCL's FP12 is a + b·j + c·j² over FP4 = FP2[s], with j ↦ w, s ↦ w³ = v·w in noble's
  // tower; so AMCL's (a.x, a.y, b.x, b.y, c.x, c.y) are noble's (c0.c0, c1.c1, c1.c0,
  // c0.c2, c0.c1, c1.c2).
  const parts = [f.c0.c0, f.c1.c1, f.c1.c0, f.c0.c2, f.c0.c1, f.c1.c2];
  const out = new Uint8Array(12 * 32);
  parts.forEach((e, k) => {
    out.set(bigintToBytes(e.c0), 64 * k);
    out.set(bigintToBytes(e.c1), 64 * k + 32);
  });
  return out;
}
