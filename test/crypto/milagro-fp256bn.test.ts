// Milagro's FP256BN vectors (shared/vectors/milagro-fp256bn), read with their own field
// names: G1 `ecp`, G2 `ecp2` (random twist points, not all in G2) and Fp12 `fp12`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ATE_LOOP,
  BN_U,
  EncodingError,
  FIELD_P,
  Fp,
  Fp12,
  Fp2,
  G1Point,
  G2Point,
  GLV_BETA,
  GLV_LAMBDA,
  GROUP_ORDER,
  P1,
  P2,
  decodeG1,
  decodeG2,
  encodeG1,
  encodeG2,
  type G1,
  type G2,
  type GT,
} from '../../src/crypto/fp256bn.ts';
import { VECTORS_DIR } from '../helpers/paths.ts';

const dir = path.join(VECTORS_DIR, 'milagro-fp256bn');
const load = (f: string) =>
  JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, string>[];

const big = (h: string) => BigInt('0x' + h);
const g1 = (s: string): G1 => {
  const [x, y] = s.split(':').map(big) as [bigint, bigint];
  return G1Point.fromAffine({ x, y });
};
const g2 = (s: string): G2 => {
  const [xs, ys] = s.split('&') as [string, string];
  const [xa, xb] = xs.split(':').map(big) as [bigint, bigint];
  const [ya, yb] = ys.split(':').map(big) as [bigint, bigint];
  return G2Point.fromAffine({ x: { c0: xa, c1: xb }, y: { c0: ya, c1: yb } });
};
/**
 * Milagro's FP12 text: [A, B, C] with A + B·j + C·j², each FP4 [x, y] = x + y·s, each FP2
 * [a, b] = a + b·i. With j ↦ w (so s = j³ ↦ v·w) it maps onto noble's tower as below.
 */
const fp12 = (s: string): GT => {
  const n = s.match(/[0-9A-F]+/g)!.map((h) => Fp.create(big(h)));
  const f2 = (k: number) => ({ c0: n[2 * k]!, c1: n[2 * k + 1]! });
  const [ax, ay, bx, by, cx, cy] = [0, 1, 2, 3, 4, 5].map(f2) as [
    ReturnType<typeof f2>,
    ...ReturnType<typeof f2>[],
  ];
  return {
    c0: { c0: ax, c1: cx!, c2: by! },
    c1: { c0: bx!, c1: ay!, c2: cy! },
  };
};
const sameG = (a: G1 | G2, b: G1 | G2) => expect((a as G1).equals(b as G1)).toBe(true);
const sameGT = (a: GT, b: GT) => expect(Fp12.eql(a, b)).toBe(true);

describe('curve constants', () => {
  it('p and n follow from u, with 6u + 2 as the ate loop', () => {
    const u = BN_U;
    expect(36n * u ** 4n + 36n * u ** 3n + 24n * u ** 2n + 6n * u + 1n).toBe(FIELD_P);
    expect(36n * u ** 4n + 36n * u ** 3n + 18n * u ** 2n + 6n * u + 1n).toBe(GROUP_ORDER);
    expect(-(6n * u + 2n)).toBe(ATE_LOOP);
  });

  it('the final-exponentiation decomposition is exactly (p⁴ − p² + 1)/n', () => {
    const [u, p] = [BN_U, FIELD_P];
    const l0 = -36n * u ** 3n - 30n * u ** 2n - 18n * u - 2n;
    const l1 = -36n * u ** 3n - 18n * u ** 2n - 12n * u + 1n;
    const l2 = 6n * u ** 2n + 1n;
    expect((p ** 4n - p ** 2n + 1n) % GROUP_ORDER).toBe(0n);
    expect(l0 + l1 * p + l2 * p ** 2n + p ** 3n).toBe((p ** 4n - p ** 2n + 1n) / GROUP_ORDER);
  });

  it('GLV: (β·x, y) = [λ]P on G1', () => {
    const P = P1.multiply(0xdeadbeefn);
    const { x, y } = P.toAffine();
    expect(G1Point.fromAffine({ x: Fp.mul(x, GLV_BETA), y }).equals(P.multiply(GLV_LAMBDA))).toBe(
      true,
    );
  });

  it('P2 has order n and the generators encode as in Xaptum/AMCL', () => {
    expect(P2.isTorsionFree()).toBe(true);
    expect(P2.multiplyUnsafe(GROUP_ORDER - 1n).equals(P2.negate())).toBe(true);
    expect(Buffer.from(encodeG1(P1)).toString('hex')).toBe(
      '04' + '0'.repeat(63) + '1' + '0'.repeat(63) + '2',
    );
    expect(encodeG2(P2).slice(1, 5)).toEqual(new Uint8Array([0xfe, 0x0c, 0x33, 0x50]));
  });
});

describe('ecp.json (G1)', () => {
  const vectors = load('ecp.json');
  it.each(vectors.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    const a = g1(v.ECP1!);
    const b = g1(v.ECP2!);
    a.assertValidity();
    sameG(a.add(b), g1(v.ECPsum!));
    sameG(a.negate(), g1(v.ECPneg!));
    sameG(a.subtract(b), g1(v.ECPsub!));
    sameG(a.double(), g1(v.ECPdbl!));
    const s1 = big(v.BIGscalar1!) % GROUP_ORDER;
    const s2 = big(v.BIGscalar2!) % GROUP_ORDER;
    sameG(a.multiply(s1), g1(v.ECPmul!));
    sameG(a.multiplyUnsafe(s1), g1(v.ECPmul!));
    sameG(a.multiply(1234n), g1(v.ECPpinmul!));
    sameG(a.mulAddUnsafe(s1, b, s2), g1(v.ECPmul2!));
    // Decoding rejects the off-curve "wrong" point.
    const [wx, wy] = v.ECPwrong!.split(':') as [string, string];
    const wrong = Buffer.from('04' + wx.padStart(64, '0') + wy.padStart(64, '0'), 'hex');
    expect(() => decodeG1(wrong)).toThrow(/not on the curve/);
    // Round trip through Xaptum's encoding.
    sameG(decodeG1(encodeG1(a)), a);
  });
});

describe('ecp2.json (G2 and the twist)', () => {
  const vectors = load('ecp2.json');
  it.each(vectors.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    const [a, b, c, d] = [v.ECP21!, v.ECP22!, v.ECP23!, v.ECP24!].map(g2) as [G2, G2, G2, G2];
    sameG(a.add(b), g2(v.ECP2sum!));
    sameG(a.negate(), g2(v.ECP2neg!));
    sameG(a.subtract(b), g2(v.ECP2sub!));
    sameG(a.double(), g2(v.ECP2dbl!));
    const [s1, s2, s3, s4] = [v.BIGscalar1!, v.BIGscalar2!, v.BIGscalar3!, v.BIGscalar4!].map((h) =>
      big(h),
    ) as [bigint, bigint, bigint, bigint];
    // Milagro multiplies by the scalar as given, the twist points need not have order n: split
    // the scalar in two halves below n so the multiplication is exact for any point.
    const mul = (p: G2, s: bigint) =>
      p.multiplyUnsafe(s >> 1n).add(p.multiplyUnsafe(s - (s >> 1n)));
    sameG(mul(a, s1), g2(v.ECP2mul!));
    sameG(mul(a, s1).add(mul(b, s2)).add(mul(c, s3)).add(mul(d, s4)), g2(v.ECP2mul4!));
    // The fast subgroup test agrees with the definition [n]Q = O on every twist point.
    for (const q of [a, b, c, d]) {
      const inG2 = mul(q, GROUP_ORDER).is0();
      expect(q.isTorsionFree()).toBe(inG2);
      const bytes = encodeG2(q);
      if (inG2) sameG(decodeG2(bytes), q);
      else expect(() => decodeG2(bytes)).toThrow(/outside the order-n subgroup/);
      // Clearing the cofactor always lands in G2.
      expect(q.clearCofactor().isTorsionFree()).toBe(true);
    }
  });

  it('some twist points in the vectors lie outside G2 (so the check is exercised)', () => {
    const outside = load('ecp2.json').filter((v) => !g2(v.ECP21!).isTorsionFree());
    expect(outside.length).toBeGreaterThan(0);
  });
});

describe('fp12.json (Fp12 in AMCL’s basis)', () => {
  const vectors = load('fp12.json');
  it.each(vectors.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    const a = fp12(v.FP121!);
    const b = fp12(v.FP122!);
    sameGT(Fp12.mul(a, b), fp12(v.FP12mul!));
    sameGT(Fp12.sqr(a), fp12(v.FP12square!));
    sameGT(Fp12.inv(a), fp12(v.FP12inv!));
    sameGT(Fp12.conjugate(a), fp12(v.FP12conj!));
    sameGT(Fp12.frobeniusMap(a, 1), fp12(v.FP12frob!));
    sameGT(Fp12.pow(a, big(v.BIGsc1!)), fp12(v.FP12pow!));
  });
});

describe('strict decoding', () => {
  it('rejects the identity, wrong prefix or length, coordinates ≥ p', () => {
    const good = encodeG1(P1.multiply(7n));
    expect(() => decodeG1(good.subarray(0, 64))).toThrow(/expected 65 bytes, got 64/);
    const prefix = good.slice();
    prefix[0] = 0x02;
    expect(() => decodeG1(prefix)).toThrow(/prefix 0x04, got 0x02/);
    const zero = new Uint8Array(65);
    zero[0] = 4;
    expect(() => decodeG1(zero)).toThrow(/not on the curve/);
    expect(() => decodeG1(new Uint8Array([0]))).toThrow(EncodingError);
    // x = p (Xaptum's own check lets a coordinate equal to p through).
    const xp = good.slice();
    xp.set(Buffer.from(FIELD_P.toString(16), 'hex'), 1);
    expect(() => decodeG1(xp)).toThrow(/coordinate x is not below the field prime p/);
    // (1, 2) with y + p does not fit 32 bytes, but (x + p) for a small x does: x = p + 1.
    const big1 = encodeG1(P1).slice();
    big1.set(Buffer.from((FIELD_P + 1n).toString(16), 'hex'), 1);
    expect(() => decodeG1(big1)).toThrow(/coordinate x is not below/);
    const g2 = encodeG2(P2).slice();
    g2.set(Buffer.from(FIELD_P.toString(16), 'hex'), 97);
    expect(() => decodeG2(g2)).toThrow(/coordinate y\.b is not below/);
    const off = encodeG2(P2).slice();
    off[128] = (off[128] ?? 0) ^ 1;
    expect(() => decodeG2(off)).toThrow(/not on the twist/);
    expect(() => encodeG1(G1Point.ZERO)).toThrow(/identity/);
    expect(() => encodeG2(G2Point.ZERO)).toThrow(/identity/);
  });

  it('Fp2 uses i² = −1 and ξ = 1 + i', () => {
    const i = { c0: 0n, c1: 1n };
    expect(Fp2.eql(Fp2.sqr(i), Fp2.neg(Fp2.ONE))).toBe(true);
    expect(Fp2.eql(Fp2.NONRESIDUE, { c0: 1n, c1: 1n })).toBe(true);
  });
});
