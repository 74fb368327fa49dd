// FP256BN / ECDAA speed beside milagro-crypto-js (Apache Milagro's FP256BN) doing the same
// work in the same process, so the ratio is meaningful on a shared, noisy machine.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  checkSignatureBytes,
  generateIssuerKeyPair,
  generateMemberKeyPair,
  issueCredentialBytes,
  signBytes,
  verifyCredentialBytes,
  verifyMemberPublicKeyBytes,
} from '../src/crypto/ecdaa.ts';
import { P1, P2, encodeG1, encodeG2, pairing, pairingProduct } from '../src/crypto/fp256bn.ts';
import { CryptoPool } from '../src/crypto/pool.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- milagro-crypto-js ships no types */
const require = createRequire(import.meta.url);
const CTX = require('milagro-crypto-js');
const ctx: any = new CTX('FP256BN');

/** Mean milliseconds per call over about `budgetMs` (at least `min` calls). */
function measure(fn: () => unknown, budgetMs: number, min = 2): number {
  let calls = 0;
  const start = performance.now();
  while (calls < min || performance.now() - start < budgetMs) {
    fn();
    calls++;
  }
  return (performance.now() - start) / calls;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Both sides in alternating rounds, medians of each: load from other processes on a shared
 * machine then hits both sides alike instead of skewing the ratio.
 */
function compare(ours: () => unknown, theirs: () => unknown, rounds = 5): [number, number] {
  ours();
  theirs();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(measure(ours, 300));
    b.push(measure(theirs, 300));
  }
  return [median(a), median(b)];
}

// ---- shared inputs, made by ours, read by both
const enc = (s: string) => new TextEncoder().encode(s);
const { ipk, isk } = generateIssuerKeyPair();
const gpk = ipk.slice(0, 258);
const nonce = enc('bench nonce');
const { pk, sk } = generateMemberKeyPair(nonce);
const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
const msg = enc('bench message');
const bsn = enc('bench basename');
const sig = signBytes(sk, credential, msg);

// ---- Milagro's side of the same work
const arr = (b: Uint8Array) => Array.from(b);
const mG1 = (b: Uint8Array): any => ctx.ECP.fromBytes(arr(b));
const mG2 = (b: Uint8Array): any => ctx.ECP2.fromBytes(arr(b.subarray(1)));
const mBig = (b: Uint8Array): any => ctx.BIG.fromBytes(arr(b));
const mBytes = (p: any) => {
  const w: number[] = [];
  p.toBytes(w, false);
  return Uint8Array.from(w.slice(0, 65));
};
const order = new ctx.BIG(0);
order.rcopy(ctx.ROM_CURVE.CURVE_Order);
const rng = new ctx.RAND();
rng.seed(32, Array.from(globalThis.crypto.getRandomValues(new Uint8Array(32))));
const mRandom = () => ctx.BIG.randomnum(order, rng);
const mHash = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  const b = ctx.BIG.fromBytes(Array.from(h.digest()));
  b.mod(order);
  return b;
};
const mP1 = mG1(encodeG1(P1));
const mP2 = mG2(encodeG2(P2));
const mX = mG2(gpk.subarray(0, 129));
const mY = mG2(gpk.subarray(129));
const mQ = mG1(pk.subarray(0, 65));
const mx = mBig(isk.subarray(0, 32));
const my = mBig(isk.subarray(32));
const mPoint = (b: Uint8Array, o: number) => mG1(b.subarray(o, o + 65));
const mPair = (p: any, q: any) => ctx.PAIR.fexp(ctx.PAIR.ate(q, p));
const mProduct = (p: any, q: any, r: any, s: any) => ctx.PAIR.fexp(ctx.PAIR.ate2(q, p, s, r));
const neg = (p: any) => {
  const n = new ctx.ECP();
  n.copy(p);
  n.neg();
  return n;
};

function milagroIssue() {
  const l = mRandom();
  const r = mRandom();
  const ly = ctx.BIG.modmul(l, my, order);
  const A = ctx.PAIR.G1mul(mP1, l);
  const B = ctx.PAIR.G1mul(A, my);
  const D = ctx.PAIR.G1mul(mQ, ly);
  const AD = new ctx.ECP();
  AD.copy(A);
  AD.add(D);
  const C = ctx.PAIR.G1mul(AD, mx);
  const U = ctx.PAIR.G1mul(mP1, r);
  const V = ctx.PAIR.G1mul(mQ, r);
  const c = mHash(mBytes(U), mBytes(V), mBytes(mP1), mBytes(B), mBytes(mQ), mBytes(D));
  return [C, ctx.BIG.modmul(c, ly, order)];
}

function milagroJoinCheck() {
  const s = mBig(pk.subarray(97, 129));
  const c = mBig(pk.subarray(65, 97));
  const E = mP1.mul2(s, neg(mQ), c);
  const cPrime = mHash(mBytes(E), mBytes(mP1), pk.subarray(0, 65), nonce);
  const w: number[] = [];
  cPrime.toBytes(w);
  return ctx.BIG.comp(mHash(pk.subarray(129), Uint8Array.from(w)), c) === 0;
}

function milagroSignatureCheck() {
  const c = mBig(sig.subarray(0, 32));
  const s = mBig(sig.subarray(32, 64));
  const [R, S, T, W] = [64, 129, 194, 259].map((o) => mPoint(sig, o));
  const E = S.mul2(s, neg(W), c);
  const cPrime = mHash(mBytes(E), sig.subarray(129, 194), sig.subarray(259, 324), msg);
  const w: number[] = [];
  cPrime.toBytes(w);
  const ok = ctx.BIG.comp(mHash(sig.subarray(324, 356), Uint8Array.from(w)), c) === 0;
  const RW = new ctx.ECP();
  RW.copy(R);
  RW.add(W);
  RW.affine();
  const e1 = mProduct(R, mY, neg(S), mP2);
  const e2 = mProduct(T, mP2, neg(RW), mX);
  return ok && e1.isunity() && e2.isunity();
}

function milagroCredentialCheck() {
  const c = mBig(credentialSignature.subarray(0, 32));
  const s = mBig(credentialSignature.subarray(32));
  const [A, B, C, D] = [0, 65, 130, 195].map((o) => mPoint(credential, o));
  const U = mP1.mul2(s, neg(B), c);
  const V = mQ.mul2(s, neg(D), c);
  const h = mHash(mBytes(U), mBytes(V), mBytes(mP1), mBytes(B), mBytes(mQ), mBytes(D));
  const AD = new ctx.ECP();
  AD.copy(A);
  AD.add(D);
  AD.affine();
  const e1 = mProduct(A, mY, neg(B), mP2);
  const e2 = mProduct(C, mP2, neg(AD), mX);
  return ctx.BIG.comp(h, c) === 0 && e1.isunity() && e2.isunity();
}

// Sanity: both sides accept the same objects before anything is timed.
if (
  !milagroJoinCheck() ||
  !milagroSignatureCheck() ||
  !milagroCredentialCheck() ||
  checkSignatureBytes(sig, msg, gpk) !== null
) {
  throw new Error('bench inputs do not verify: fix the implementations before timing them');
}

const p = P1.multiply(0x1234567n);
const q = P2.multiply(0x7654321n);
const mp = mG1(encodeG1(p));
const mq = mG2(encodeG2(q));

const rows: [string, () => unknown, () => unknown][] = [
  ['one pairing e(P, Q)', () => pairing(p, q), () => mPair(mp, mq)],
  [
    'product of two pairings',
    () =>
      pairingProduct([
        [p, q],
        [P1, P2],
      ]),
    () => mProduct(mp, mq, mP1, mP2),
  ],
  ['issue credential', () => issueCredentialBytes(pk, isk), milagroIssue],
  ['check join proof', () => verifyMemberPublicKeyBytes(pk, nonce), milagroJoinCheck],
  [
    'check credential (member side)',
    () => verifyCredentialBytes(credential, credentialSignature, pk, gpk),
    milagroCredentialCheck,
  ],
  ['check signature (same GPK)', () => checkSignatureBytes(sig, msg, gpk), milagroSignatureCheck],
];

console.log('FP256BN / ECDAA: ms per call (lower is better), ratio = milagro / ours');
console.log(`${'operation'.padEnd(32)} ${'ours'.padStart(9)} ${'milagro'.padStart(9)}  ratio`);
for (const [name, ours, milagro] of rows) {
  const [a, b] = compare(ours, milagro);
  const ratio = b / a;
  console.log(
    `${name.padEnd(32)} ${a.toFixed(2).padStart(9)} ${b.toFixed(2).padStart(9)}  ${ratio.toFixed(1)}×`,
  );
}

// The engine's per-device crypto: issue a credential, check the join, check one self-test
// basename signature (made here in software; a TPM makes it in production).
const perDevice = measure(
  () => {
    const { pk: devicePk } = generateMemberKeyPair(nonce);
    verifyMemberPublicKeyBytes(devicePk, nonce);
    issueCredentialBytes(devicePk, isk);
    checkSignatureBytes(signBytes(sk, credential, msg, bsn), msg, gpk, bsn);
  },
  3000,
  5,
);
console.log(
  `per device on one thread (join check + issue + sign + signature check): ` +
    `${perDevice.toFixed(1)} ms → ${(1000 / perDevice).toFixed(1)} devices/s`,
);

const pool = new CryptoPool();
await pool.verifyMemberPublicKey(pk, nonce); // start the workers outside the timing
await Promise.all(Array.from({ length: pool.size }, () => pool.verifySignature(sig, msg, gpk)));
const devices = 40;
const start = performance.now();
await Promise.all(
  Array.from({ length: devices }, async () => {
    if (!(await pool.verifyMemberPublicKey(pk, nonce))) throw new Error('join check failed');
    await pool.issueCredential(pk, isk);
    if (!(await pool.verifySignature(sig, msg, gpk))) throw new Error('signature check failed');
  }),
);
const seconds = (performance.now() - start) / 1000;
await pool.close();
console.log(
  `CryptoPool(${pool.size}) join check + issue + signature check: ` +
    `${(devices / seconds).toFixed(1)} devices/s over ${devices} devices`,
);
