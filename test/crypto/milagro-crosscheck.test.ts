// A second implementation agrees: milagro-crypto-js (Apache Milagro's FP256BN, development
// dependency only) recomputes pairings and re-checks the objects ours makes.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateIssuerKeyPair,
  generateMemberKeyPair,
  issueCredentialBytes,
  signBytes,
} from '../../src/crypto/ecdaa.ts';
import {
  GROUP_ORDER,
  P1,
  P2,
  encodeG1,
  encodeG2,
  encodeScalar,
  gtToBytes,
  hashToG1,
  pairing,
  pairingProduct,
} from '../../src/crypto/fp256bn.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- milagro-crypto-js ships no types */
const require = createRequire(import.meta.url);
const CTX = require('milagro-crypto-js');
const ctx: any = new CTX('FP256BN');

const arr = (b: Uint8Array) => Array.from(b);
const mG1 = (b: Uint8Array): any => ctx.ECP.fromBytes(arr(b));
const mG2 = (b: Uint8Array): any => ctx.ECP2.fromBytes(arr(b.subarray(1)));
const mBig = (b: Uint8Array): any => ctx.BIG.fromBytes(arr(b));
const mPair = (p: any, q: any): any => ctx.PAIR.fexp(ctx.PAIR.ate(q, p));
const gtBytes = (f: any): Uint8Array => {
  const w: number[] = [];
  f.toBytes(w);
  return Uint8Array.from(w);
};
const mG1Bytes = (p: any): Uint8Array => {
  const w: number[] = [];
  p.toBytes(w, false);
  return Uint8Array.from(w.slice(0, 65));
};
/** Milagro's s·A − c·B. */
const mCombine = (s: Uint8Array, A: any, c: Uint8Array, B: any): any => {
  const left = A.mul(mBig(s));
  left.sub(B.mul(mBig(c)));
  left.affine();
  return left;
};
const H = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return encodeScalar(BigInt('0x' + h.digest('hex')) % GROUP_ORDER);
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const scalar = fc.bigInt({ min: 1n, max: GROUP_ORDER - 1n });

describe('Milagro agrees on pairings', () => {
  it('e(a·P1, b·P2) byte for byte', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        const p = P1.multiply(a);
        const q = P2.multiply(b);
        const ours = gtToBytes(pairing(p, q));
        expect(hex(ours)).toBe(hex(gtBytes(mPair(mG1(encodeG1(p)), mG2(encodeG2(q))))));
      }),
      { numRuns: 4 },
    );
  });

  it('a product of two pairings equals Milagro’s two pairings multiplied', () => {
    const p = hashToG1(new TextEncoder().encode('product')).point;
    const q = P2.multiply(0x1234n);
    const ours = gtToBytes(
      pairingProduct([
        [p, q],
        [P1, P2],
      ]),
    );
    const m = mPair(mG1(encodeG1(p)), mG2(encodeG2(q)));
    m.mul(mPair(mG1(encodeG1(P1)), mG2(encodeG2(P2))));
    m.reduce();
    expect(hex(ours)).toBe(hex(gtBytes(m)));
  });
});

describe('Milagro re-checks our ECDAA objects', () => {
  const { ipk, isk } = generateIssuerKeyPair();
  const nonce = new TextEncoder().encode('cross-check nonce');
  const { pk, sk } = generateMemberKeyPair(nonce);
  const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
  const X = mG2(ipk.subarray(0, 129));
  const Y = mG2(ipk.subarray(129, 258));
  const mP2 = mG2(encodeG2(P2));
  const mP1 = mG1(encodeG1(P1));
  const g1At = (b: Uint8Array, o: number) => b.subarray(o, o + 65);

  it('issuer key: X = x·P2, Y = y·P2 and the proof', () => {
    expect(X.equals(mP2.mul(mBig(isk.subarray(0, 32))))).toBe(true);
    expect(Y.equals(mP2.mul(mBig(isk.subarray(32, 64))))).toBe(true);
    const [c, sx, sy] = [258, 290, 322].map((o) => ipk.subarray(o, o + 32)) as Uint8Array[];
    const ux = mP2.mul(mBig(sx!));
    ux.sub(X.mul(mBig(c!)));
    const uy = mP2.mul(mBig(sy!));
    uy.sub(Y.mul(mBig(c!)));
    const enc2 = (p: any) => {
      const w: number[] = [];
      p.toBytes(w);
      return Uint8Array.from([4, ...w]);
    };
    expect(
      hex(H(enc2(ux), enc2(uy), encodeG2(P2), ipk.subarray(0, 129), ipk.subarray(129, 258))),
    ).toBe(hex(c!));
  });

  it('member join proof', () => {
    const Q = mG1(g1At(pk, 0));
    const E = mCombine(pk.subarray(97, 129), mP1, pk.subarray(65, 97), Q);
    const cPrime = H(mG1Bytes(E), encodeG1(P1), g1At(pk, 0), nonce);
    expect(hex(H(pk.subarray(129, 161), cPrime))).toBe(hex(pk.subarray(65, 97)));
  });

  it('credential: pairing equations and its signature', () => {
    const [A, B, C, D] = [0, 65, 130, 195].map((o) => mG1(g1At(credential, o)));
    const eq = (a: any, b: any) => a.equals(b);
    expect(eq(mPair(A, Y), mPair(B, mP2))).toBe(true);
    const AD = mG1(g1At(credential, 0));
    AD.add(D);
    AD.affine();
    expect(eq(mPair(C, mP2), mPair(AD, X))).toBe(true);
    const [c, s] = [credentialSignature.subarray(0, 32), credentialSignature.subarray(32)];
    const U = mCombine(s, mP1, c, B);
    const V = mCombine(s, mG1(g1At(pk, 0)), c, D);
    expect(
      hex(
        H(
          mG1Bytes(U),
          mG1Bytes(V),
          encodeG1(P1),
          g1At(credential, 65),
          g1At(pk, 0),
          g1At(credential, 195),
        ),
      ),
    ).toBe(hex(c));
  });

  it('signatures with and without basename', () => {
    const msg = new TextEncoder().encode('cross-checked message');
    const bsn = new TextEncoder().encode('cross-checked basename');
    for (const basename of [undefined, bsn]) {
      const sig = signBytes(sk, credential, msg, basename);
      const [c, s, n] = [sig.subarray(0, 32), sig.subarray(32, 64), sig.subarray(324, 356)];
      const [R, S, T, W] = [64, 129, 194, 259].map((o) => mG1(g1At(sig, o)));
      expect(mPair(R, Y).equals(mPair(S, mP2))).toBe(true);
      const RW = mG1(g1At(sig, 64));
      RW.add(W);
      RW.affine();
      expect(mPair(T, mP2).equals(mPair(RW, X))).toBe(true);
      const E = mCombine(s, S, c, W);
      const parts = [mG1Bytes(E), g1At(sig, 129), g1At(sig, 259)];
      if (basename) {
        const Bp = hashToG1(basename).point;
        const K = mG1(g1At(sig, 356));
        const L = mCombine(s, mG1(encodeG1(Bp)), c, K);
        parts.push(mG1Bytes(L), encodeG1(Bp), g1At(sig, 356), basename);
        // K = sk·B′ computed by Milagro.
        expect(K.equals(mG1(encodeG1(Bp)).mul(mBig(sk)))).toBe(true);
      }
      parts.push(msg);
      expect(hex(H(n, H(...parts)))).toBe(hex(c));
    }
  });
});
