/**
 * ECDAA over FP256BN, byte-compatible with Xaptum's ecdaa 1.0 (and so with FIDO ECDAA and
 * the XTT client). domain.md §3 is the specification; layouts, all big-endian:
 *
 * | object                  | bytes | layout                                   |
 * |-------------------------|-------|------------------------------------------|
 * | issuer secret key       | 64    | x ‖ y                                    |
 * | issuer public key       | 354   | X(129) ‖ Y(129) ‖ c ‖ sx ‖ sy            |
 * | group public key (GPK)  | 258   | X ‖ Y                                    |
 * | member public key       | 161   | Q(65) ‖ c ‖ s ‖ n                        |
 * | member secret key       | 32    | sk                                       |
 * | credential              | 260   | A ‖ B ‖ C ‖ D                            |
 * | credential signature    | 64    | c ‖ s                                    |
 * | signature               | 356   | c ‖ s ‖ R ‖ S ‖ T ‖ W ‖ n                |
 * | signature with basename | 421   | c ‖ s ‖ R ‖ S ‖ T ‖ W ‖ n ‖ K            |
 *
 * Functions are pure. Randomness comes from an injectable {@link Rng}; secret scalars (issuer
 * x and y, member keys, credential and signature blinding, nonces) are only multiplied with
 * noble's constant-time `multiply`; public scalars in checks use the faster `…Unsafe` paths.
 * `verify…`/`check…` return false / a reason for a failed check and throw
 * {@link EcdaaFormatError} for malformed input.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  EncodingError,
  Fn,
  Fp12,
  G1Point,
  G1_BYTES,
  G2_BYTES,
  GROUP_ORDER,
  P1,
  P2,
  SCALAR_BYTES,
  decodeG1,
  decodeG2,
  decodeScalar,
  encodeG1,
  encodeG2,
  encodeScalar,
  hashToG1,
  hashToScalar,
  pairingProduct,
  prepareG2,
  type G1,
  type G2,
  type G2Prepared,
} from './fp256bn.ts';

/**
 * Source of secret randomness: returns a uniformly random scalar in [0, n). Tests inject
 * Xaptum's deterministic stream; production uses {@link randomScalar}.
 */
export type Rng = () => bigint;

/** 64 CSPRNG bytes reduced mod n: the bias is below 2⁻²⁵⁶ (as in Xaptum's and AMCL's draws). */
export const randomScalar: Rng = () => {
  const bytes = new Uint8Array(64);
  globalThis.crypto.getRandomValues(bytes);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v % GROUP_ORDER;
};

/** A nonzero draw: a zero scalar would yield the identity and a useless key or proof. */
function draw(rng: Rng): bigint {
  for (let i = 0; i < 8; i++) {
    const v = rng();
    if (typeof v !== 'bigint' || v < 0n || v >= GROUP_ORDER) {
      throw new RangeError('Rng must return a bigint scalar in [0, n)');
    }
    if (v !== 0n) return v;
  }
  throw new Error('Rng returned zero eight times in a row: it is broken');
}

/** Malformed ECDAA input: wrong length, a bad point or an unreduced scalar. */
export class EcdaaFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EcdaaFormatError';
  }
}

export const ISSUER_SECRET_KEY_BYTES = 64;
export const ISSUER_PUBLIC_KEY_BYTES = 354;
export const GROUP_PUBLIC_KEY_BYTES = 258;
export const MEMBER_PUBLIC_KEY_BYTES = 161;
export const MEMBER_SECRET_KEY_BYTES = 32;
export const CREDENTIAL_BYTES = 260;
export const CREDENTIAL_SIGNATURE_BYTES = 64;
export const SIGNATURE_BYTES = 356;
export const SIGNATURE_WITH_BASENAME_BYTES = 421;

export interface IssuerSecretKey {
  x: bigint;
  y: bigint;
}
export interface GroupPublicKey {
  X: G2;
  Y: G2;
}
export interface IssuerPublicKey extends GroupPublicKey {
  c: bigint;
  sx: bigint;
  sy: bigint;
}
export interface MemberPublicKey {
  Q: G1;
  c: bigint;
  s: bigint;
  /** The member's 32-byte nonce, kept as bytes: a TPM's n need not be below the order. */
  n: Uint8Array;
}
export interface Credential {
  A: G1;
  B: G1;
  C: G1;
  D: G1;
}
export interface CredentialSignature {
  c: bigint;
  s: bigint;
}
export interface Signature {
  c: bigint;
  s: bigint;
  R: G1;
  S: G1;
  T: G1;
  W: G1;
  n: Uint8Array;
  /** The pseudonym K = sk·hash_to_G1(bsn); present only in basename signatures. */
  K?: G1;
}
/** Revocation lists: secret keys (32 bytes each) and basename pseudonyms K (65 bytes each). */
export interface Revocations {
  secretKeys?: Uint8Array[];
  basenames?: Uint8Array[];
}

// ---------------------------------------------------------------------------------------
// Codecs

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof EncodingError) throw new EcdaaFormatError(`${what}: ${e.message}`);
    throw e;
  }
}

function expectLength(bytes: Uint8Array, lengths: number[], what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new EcdaaFormatError(`${what}: expected bytes`);
  if (!lengths.includes(bytes.length)) {
    throw new EcdaaFormatError(
      `${what}: expected ${lengths.join(' or ')} bytes, got ${bytes.length}`,
    );
  }
}

/** Reads consecutive fields of a fixed layout, naming each in its errors. */
class Reader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}
  private take(n: number): Uint8Array {
    const part = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return part;
  }
  g1(name: string): G1 {
    return wrap(this.what, () => decodeG1(this.take(G1_BYTES), name));
  }
  g2(name: string): G2 {
    return wrap(this.what, () => decodeG2(this.take(G2_BYTES), name));
  }
  scalar(name: string, nonZero = false): bigint {
    return wrap(this.what, () => decodeScalar(this.take(SCALAR_BYTES), name, nonZero));
  }
  raw(n: number): Uint8Array {
    return this.take(n).slice();
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function decodeIssuerSecretKey(bytes: Uint8Array): IssuerSecretKey {
  expectLength(bytes, [ISSUER_SECRET_KEY_BYTES], 'issuer secret key');
  const r = new Reader(bytes, 'issuer secret key');
  return { x: r.scalar('x', true), y: r.scalar('y', true) };
}
export function encodeIssuerSecretKey(k: IssuerSecretKey): Uint8Array {
  return concat(encodeScalar(k.x), encodeScalar(k.y));
}

export function decodeGroupPublicKey(bytes: Uint8Array): GroupPublicKey {
  expectLength(bytes, [GROUP_PUBLIC_KEY_BYTES], 'group public key');
  const r = new Reader(bytes, 'group public key');
  return { X: r.g2('X'), Y: r.g2('Y') };
}
export function encodeGroupPublicKey(k: GroupPublicKey): Uint8Array {
  return concat(encodeG2(k.X), encodeG2(k.Y));
}

export function decodeIssuerPublicKey(bytes: Uint8Array): IssuerPublicKey {
  expectLength(bytes, [ISSUER_PUBLIC_KEY_BYTES], 'issuer public key');
  const r = new Reader(bytes, 'issuer public key');
  return { X: r.g2('X'), Y: r.g2('Y'), c: r.scalar('c'), sx: r.scalar('sx'), sy: r.scalar('sy') };
}
export function encodeIssuerPublicKey(k: IssuerPublicKey): Uint8Array {
  return concat(encodeGroupPublicKey(k), encodeScalar(k.c), encodeScalar(k.sx), encodeScalar(k.sy));
}

export function decodeMemberPublicKey(bytes: Uint8Array): MemberPublicKey {
  expectLength(bytes, [MEMBER_PUBLIC_KEY_BYTES], 'member public key');
  const r = new Reader(bytes, 'member public key');
  return { Q: r.g1('Q'), c: r.scalar('c'), s: r.scalar('s'), n: r.raw(SCALAR_BYTES) };
}
export function encodeMemberPublicKey(k: MemberPublicKey): Uint8Array {
  return concat(encodeG1(k.Q), encodeScalar(k.c), encodeScalar(k.s), checkNonce(k.n));
}

export function decodeMemberSecretKey(bytes: Uint8Array): bigint {
  expectLength(bytes, [MEMBER_SECRET_KEY_BYTES], 'member secret key');
  return new Reader(bytes, 'member secret key').scalar('sk', true);
}

export function decodeCredential(bytes: Uint8Array): Credential {
  expectLength(bytes, [CREDENTIAL_BYTES], 'credential');
  const r = new Reader(bytes, 'credential');
  return { A: r.g1('A'), B: r.g1('B'), C: r.g1('C'), D: r.g1('D') };
}
export function encodeCredential(c: Credential): Uint8Array {
  return concat(encodeG1(c.A), encodeG1(c.B), encodeG1(c.C), encodeG1(c.D));
}

export function decodeCredentialSignature(bytes: Uint8Array): CredentialSignature {
  expectLength(bytes, [CREDENTIAL_SIGNATURE_BYTES], 'credential signature');
  const r = new Reader(bytes, 'credential signature');
  return { c: r.scalar('c'), s: r.scalar('s') };
}
export function encodeCredentialSignature(s: CredentialSignature): Uint8Array {
  return concat(encodeScalar(s.c), encodeScalar(s.s));
}

export function decodeSignature(bytes: Uint8Array): Signature {
  expectLength(bytes, [SIGNATURE_BYTES, SIGNATURE_WITH_BASENAME_BYTES], 'signature');
  const r = new Reader(bytes, 'signature');
  const sig: Signature = {
    c: r.scalar('c'),
    s: r.scalar('s'),
    R: r.g1('R'),
    S: r.g1('S'),
    T: r.g1('T'),
    W: r.g1('W'),
    n: r.raw(SCALAR_BYTES),
  };
  if (bytes.length === SIGNATURE_WITH_BASENAME_BYTES) sig.K = r.g1('K');
  return sig;
}
export function encodeSignature(s: Signature): Uint8Array {
  const parts = [
    encodeScalar(s.c),
    encodeScalar(s.s),
    encodeG1(s.R),
    encodeG1(s.S),
    encodeG1(s.T),
    encodeG1(s.W),
    checkNonce(s.n),
  ];
  if (s.K) parts.push(encodeG1(s.K));
  return concat(...parts);
}

function checkNonce(n: Uint8Array): Uint8Array {
  if (!(n instanceof Uint8Array) || n.length !== SCALAR_BYTES) {
    throw new RangeError(`nonce n must be ${SCALAR_BYTES} bytes`);
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// Fixed-base tables

let p2Lines: G2Prepared | undefined;
/** Miller-loop lines of P2, computed once per process. */
function p2Prepared(): G2Prepared {
  return (p2Lines ??= prepareG2(P2));
}

/** A decoded GPK with its pairing tables: checking many signatures under one GPK reuses it. */
export interface PreparedGroupKey extends GroupPublicKey {
  bytes: Uint8Array;
  XLines: G2Prepared;
  YLines: G2Prepared;
}

const GPK_CACHE_LIMIT = 16;
const gpkCache = new Map<string, PreparedGroupKey>();

/** Decodes a GPK (or returns the cached one) with the pairing tables of X and Y. */
export function prepareGroupPublicKey(gpk: Uint8Array): PreparedGroupKey {
  expectLength(gpk, [GROUP_PUBLIC_KEY_BYTES], 'group public key');
  const key = Buffer.from(gpk).toString('hex');
  const hit = gpkCache.get(key);
  if (hit) {
    // Refresh its place: the map iterates in insertion order, oldest first.
    gpkCache.delete(key);
    gpkCache.set(key, hit);
    return hit;
  }
  const { X, Y } = decodeGroupPublicKey(gpk);
  const prepared = {
    X,
    Y,
    bytes: gpk.slice(),
    XLines: prepareG2(X),
    YLines: prepareG2(Y),
  };
  gpkCache.set(key, prepared);
  if (gpkCache.size > GPK_CACHE_LIMIT) gpkCache.delete(gpkCache.keys().next().value as string);
  return prepared;
}

// ---------------------------------------------------------------------------------------
// Issuer key pair

const g1b = encodeG1;
const g2b = encodeG2;

/** x, y and the Schnorr proof of knowledge of both (domain.md §3). Draws x, y, rx, ry. */
export function issuerKeyPair(rng: Rng = randomScalar): {
  secretKey: IssuerSecretKey;
  publicKey: IssuerPublicKey;
} {
  const x = draw(rng);
  const y = draw(rng);
  const rx = draw(rng);
  const ry = draw(rng);
  const X = P2.multiply(x);
  const Y = P2.multiply(y);
  const Ux = P2.multiply(rx);
  const Uy = P2.multiply(ry);
  const c = hashToScalar(g2b(Ux), g2b(Uy), g2b(P2), g2b(X), g2b(Y));
  return {
    secretKey: { x, y },
    publicKey: { X, Y, c, sx: Fn.add(rx, Fn.mul(c, x)), sy: Fn.add(ry, Fn.mul(c, y)) },
  };
}

/** The issuer's proof: Ux = sx·P2 − c·X, Uy = sy·P2 − c·Y, c = H(Ux ‖ Uy ‖ P2 ‖ X ‖ Y). */
export function verifyIssuerPublicKey(ipk: IssuerPublicKey): boolean {
  const Ux = P2.mulAddUnsafe(ipk.sx, ipk.X, Fn.neg(ipk.c));
  const Uy = P2.mulAddUnsafe(ipk.sy, ipk.Y, Fn.neg(ipk.c));
  if (Ux.is0() || Uy.is0()) return false;
  return hashToScalar(g2b(Ux), g2b(Uy), g2b(P2), g2b(ipk.X), g2b(ipk.Y)) === ipk.c;
}

export function generateIssuerKeyPair(rng?: Rng): { ipk: Uint8Array; isk: Uint8Array } {
  const { secretKey, publicKey } = issuerKeyPair(rng);
  return { ipk: encodeIssuerPublicKey(publicKey), isk: encodeIssuerSecretKey(secretKey) };
}

export function verifyIssuerPublicKeyBytes(ipk: Uint8Array): boolean {
  return verifyIssuerPublicKey(decodeIssuerPublicKey(ipk));
}

/** The group public key is the first 258 bytes (X ‖ Y) of a well-formed issuer public key. */
export function extractGpk(ipk: Uint8Array): Uint8Array {
  decodeIssuerPublicKey(ipk);
  return ipk.slice(0, GROUP_PUBLIC_KEY_BYTES);
}

// ---------------------------------------------------------------------------------------
// Member join

/** c′ = H(E ‖ P1 ‖ Q ‖ nonce): what a TPM member signs as its digest. */
export function joinDigest(E: G1, Q: G1, nonce: Uint8Array): Uint8Array {
  return encodeScalar(hashToScalar(g1b(E), g1b(P1), g1b(Q), nonce));
}

/**
 * A software member's key and join proof for the issuer's nonce (raw bytes).
 * Draws sk, k, n.
 */
export function memberKeyPair(
  nonce: Uint8Array,
  rng: Rng = randomScalar,
): { secretKey: bigint; publicKey: MemberPublicKey } {
  const sk = draw(rng);
  const k = draw(rng);
  const n = encodeScalar(draw(rng));
  const Q = P1.multiply(sk);
  const E = P1.multiply(k);
  const c = hashToScalar(n, joinDigest(E, Q, nonce));
  return { secretKey: sk, publicKey: { Q, c, s: Fn.add(k, Fn.mul(c, sk)), n } };
}

/** The join proof: E = s·P1 − c·Q, c == H(n ‖ H(E ‖ P1 ‖ Q ‖ nonce)). */
export function verifyMemberPublicKey(pk: MemberPublicKey, nonce: Uint8Array): boolean {
  const E = P1.mulAddUnsafe(pk.s, pk.Q, Fn.neg(pk.c));
  if (E.is0()) return false;
  return hashToScalar(pk.n, joinDigest(E, pk.Q, nonce)) === pk.c;
}

export function generateMemberKeyPair(
  nonce: Uint8Array,
  rng?: Rng,
): { pk: Uint8Array; sk: Uint8Array } {
  const { secretKey, publicKey } = memberKeyPair(nonce, rng);
  return { pk: encodeMemberPublicKey(publicKey), sk: encodeScalar(secretKey) };
}

export function verifyMemberPublicKeyBytes(memberPk: Uint8Array, nonce: Uint8Array): boolean {
  return verifyMemberPublicKey(decodeMemberPublicKey(memberPk), nonce);
}

// ---------------------------------------------------------------------------------------
// Credential

/**
 * The issuer's credential on Q with its proof that B and D share the exponent l·y.
 * Does not check the join proof: the caller verifies the member public key first.
 * Draws l, r.
 */
export function issueCredential(
  Q: G1,
  isk: IssuerSecretKey,
  rng: Rng = randomScalar,
): { credential: Credential; signature: CredentialSignature } {
  const l = draw(rng);
  const r = draw(rng);
  const ly = Fn.mul(l, isk.y);
  const A = P1.multiply(l);
  // B = y·A = (l·y)·P1: the generator's fixed-base table makes this 3× cheaper than y·A.
  const B = P1.multiply(ly);
  const D = Q.multiply(ly);
  const C = A.add(D).multiply(isk.x);
  const U = P1.multiply(r);
  const V = Q.multiply(r);
  const c = hashToScalar(g1b(U), g1b(V), g1b(P1), g1b(B), g1b(Q), g1b(D));
  return {
    credential: { A, B, C, D },
    signature: { c, s: Fn.add(r, Fn.mul(c, ly)) },
  };
}

/**
 * The member-side check (domain.md §3): the Schnorr proof that log_P1 B = log_Q D, then
 * e(A, Y) = e(B, P2) and e(C, P2) = e(A + D, X). Returns the failing check, or null.
 */
export function checkCredential(
  cred: Credential,
  sig: CredentialSignature,
  Q: G1,
  gpk: PreparedGroupKey,
): string | null {
  const U = P1.mulAddUnsafe(sig.s, cred.B, Fn.neg(sig.c));
  const V = Q.mulAddUnsafe(sig.s, cred.D, Fn.neg(sig.c));
  if (U.is0() || V.is0()) return 'credential signature: proof does not hold';
  const c = hashToScalar(g1b(U), g1b(V), g1b(P1), g1b(cred.B), g1b(Q), g1b(cred.D));
  if (c !== sig.c) return 'credential signature: proof does not hold (c differs)';
  if (!pairingsHold(cred.A, cred.B, cred.C, cred.A.add(cred.D), gpk)) {
    return 'credential: pairing check failed, it was not issued under this group public key';
  }
  return null;
}

/**
 * e(a, Y) == e(b, P2) and e(c, P2) == e(aPlusD, X), checked as one product
 * e(a, Y) · e(ρ·c − b, P2) · e(−ρ·(aPlusD), X) == 1 with a fresh random 128-bit ρ: three
 * Miller loops and one final exponentiation instead of four and two. Sound: if either
 * equation fails, at most one ρ mod n makes the product 1, so a forgery passes with
 * probability ≤ 2⁻¹²⁸ (the small-exponent batch test of Bellare, Garay and Rabin, 1998).
 */
function pairingsHold(a: G1, b: G1, c: G1, aPlusD: G1, gpk: PreparedGroupKey): boolean {
  if (aPlusD.is0()) return false;
  const rho = batchingScalar();
  const product = pairingProduct([
    [a, gpk.YLines],
    [c.multiplyUnsafe(rho).subtract(b), p2Prepared()],
    [aPlusD.multiplyUnsafe(rho).negate(), gpk.XLines],
  ]);
  return Fp12.eql(product, Fp12.ONE);
}

/** A nonzero 128-bit scalar from the CSPRNG, fresh for every check. */
function batchingScalar(): bigint {
  const bytes = new Uint8Array(16);
  let v = 0n;
  while (v === 0n) {
    globalThis.crypto.getRandomValues(bytes);
    v = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  }
  return v;
}

export function issueCredentialBytes(
  memberPk: Uint8Array,
  isk: Uint8Array,
  rng?: Rng,
): { credential: Uint8Array; credentialSignature: Uint8Array } {
  const { Q } = decodeMemberPublicKey(memberPk);
  const { credential, signature } = issueCredential(Q, decodeIssuerSecretKey(isk), rng);
  return {
    credential: encodeCredential(credential),
    credentialSignature: encodeCredentialSignature(signature),
  };
}

/** Q from a 161-byte member public key or a bare 65-byte point. */
function memberPoint(memberPk: Uint8Array): G1 {
  expectLength(memberPk, [MEMBER_PUBLIC_KEY_BYTES, G1_BYTES], 'member public key');
  return memberPk.length === G1_BYTES
    ? wrap('member public key', () => decodeG1(memberPk, 'Q'))
    : decodeMemberPublicKey(memberPk).Q;
}

export function checkCredentialBytes(
  credential: Uint8Array,
  credentialSignature: Uint8Array,
  memberPk: Uint8Array,
  gpk: Uint8Array,
): string | null {
  return checkCredential(
    decodeCredential(credential),
    decodeCredentialSignature(credentialSignature),
    memberPoint(memberPk),
    prepareGroupPublicKey(gpk),
  );
}

export function verifyCredentialBytes(
  credential: Uint8Array,
  credentialSignature: Uint8Array,
  memberPk: Uint8Array,
  gpk: Uint8Array,
): boolean {
  return checkCredentialBytes(credential, credentialSignature, memberPk, gpk) === null;
}

// ---------------------------------------------------------------------------------------
// Signatures

/** The randomised credential R, S, T, W = l·(A, B, C, D) that a signature carries. */
export function randomizeCredential(cred: Credential, l: bigint): Credential {
  return {
    A: cred.A.multiply(l),
    B: cred.B.multiply(l),
    C: cred.C.multiply(l),
    D: cred.D.multiply(l),
  };
}

/**
 * The randomized credential R ‖ S ‖ T ‖ W (same 260-byte layout as a credential) that a
 * signature carries: the costly, secret-scalar part of signing, which a host can do ahead
 * (e.g. in a worker) before the TPM's Commit/Sign.
 */
export function randomizeCredentialBytes(
  credential: Uint8Array,
  rng: Rng = randomScalar,
): Uint8Array {
  const l = rng();
  if (l === 0n) throw new RangeError('Rng returned zero');
  return encodeCredential(randomizeCredential(decodeCredential(credential), l));
}

/**
 * c′ of a signature: H(E ‖ S ‖ W ‖ msg), or with a basename
 * H(E ‖ S ‖ W ‖ L ‖ B′ ‖ K ‖ bsn ‖ msg).
 */
export function signatureDigest(
  E: G1,
  S: G1,
  W: G1,
  message: Uint8Array,
  bsn?: { L: G1; B: G1; K: G1; basename: Uint8Array },
): Uint8Array {
  const parts = [g1b(E), g1b(S), g1b(W)];
  if (bsn) parts.push(g1b(bsn.L), g1b(bsn.B), g1b(bsn.K), bsn.basename);
  parts.push(message);
  return encodeScalar(hashToScalar(...parts));
}

/** A software member's signature. Draws l, k, n. */
export function sign(
  sk: bigint,
  cred: Credential,
  message: Uint8Array,
  basename?: Uint8Array,
  rng: Rng = randomScalar,
): Signature {
  const l = draw(rng);
  const k = draw(rng);
  const n = encodeScalar(draw(rng));
  const { A: R, B: S, C: T, D: W } = randomizeCredential(cred, l);
  const E = S.multiply(k);
  let K: G1 | undefined;
  let digest: Uint8Array;
  if (basename !== undefined) {
    const B = hashToG1(basename).point;
    K = B.multiply(sk);
    digest = signatureDigest(E, S, W, message, { L: B.multiply(k), B, K, basename });
  } else {
    digest = signatureDigest(E, S, W, message);
  }
  const c = hashToScalar(n, digest);
  const sig: Signature = { c, s: Fn.add(k, Fn.mul(c, sk)), R, S, T, W, n };
  if (K) sig.K = K;
  return sig;
}

export function signBytes(
  memberSk: Uint8Array,
  credential: Uint8Array,
  message: Uint8Array,
  basename?: Uint8Array,
  rng?: Rng,
): Uint8Array {
  return encodeSignature(
    sign(decodeMemberSecretKey(memberSk), decodeCredential(credential), message, basename, rng),
  );
}

/**
 * Checks a signature against the GPK, message and basename, then the revocation lists.
 * Returns which check failed, or null when the signature holds.
 */
export function checkSignature(
  sig: Signature,
  message: Uint8Array,
  gpk: PreparedGroupKey,
  basename?: Uint8Array,
  revocations: { secretKeys?: bigint[]; basenames?: G1[] } = {},
): string | null {
  const proof = signatureProofFailure(sig, message, basename);
  if (proof) return proof;
  if (!pairingsHold(sig.R, sig.S, sig.T, sig.R.add(sig.W), gpk)) {
    return SIGNATURE_PAIRING_FAILED;
  }
  for (const sk of revocations.secretKeys ?? []) {
    if (sig.S.multiplyUnsafe(sk).equals(sig.W)) return 'signer secret key is revoked';
  }
  if (sig.K) {
    for (const K of revocations.basenames ?? []) {
      if (K.equals(sig.K)) return 'signer pseudonym K is on the basename revocation list';
    }
  }
  return null;
}

const SIGNATURE_PAIRING_FAILED =
  'signature pairing check failed: credential not issued under this group public key';

/** The checks of a signature that need no pairing: basename form and the Schnorr proof. */
function signatureProofFailure(
  sig: Signature,
  message: Uint8Array,
  basename?: Uint8Array,
): string | null {
  if (basename !== undefined && !sig.K) {
    return 'signature has no pseudonym K (356 bytes) but a basename was given';
  }
  if (basename === undefined && sig.K) {
    return 'signature carries a pseudonym K (421 bytes) but no basename was given';
  }
  const minusC = Fn.neg(sig.c);
  const E = sig.S.mulAddUnsafe(sig.s, sig.W, minusC);
  let digest: Uint8Array;
  if (sig.K && basename !== undefined) {
    const B = hashToG1(basename).point;
    const L = B.mulAddUnsafe(sig.s, sig.K, minusC);
    digest = signatureDigest(E, sig.S, sig.W, message, { L, B, K: sig.K, basename });
  } else {
    digest = signatureDigest(E, sig.S, sig.W, message);
  }
  if (hashToScalar(sig.n, digest) !== sig.c) {
    return 'signature proof does not hold for this message and basename';
  }
  return null;
}

/**
 * Several signatures under one GPK and basename (no revocation lists), each with the same
 * answer as {@link checkSignature}. The proofs are checked one by one; the pairing equations
 * of all signatures whose proof holds are checked together as one product
 * ∏ᵢ e(aᵢRᵢ, Y)·e(bᵢTᵢ − aᵢSᵢ, P2)·e(−bᵢ(Rᵢ + Wᵢ), X) = 1 with fresh random 128-bit aᵢ, bᵢ
 * for every signature: three Miller loops and one final exponentiation for the lot. Sound as
 * the single check is: GT has prime order n > 2¹²⁸, so if any one of the 2k equations fails,
 * for every choice of the other exponents at most one value of its own exponent makes the
 * product 1 (probability ≤ 2⁻¹²⁸; Bellare, Garay and Rabin's small-exponent test). When the
 * product is not 1, every signature is checked alone, so each failure is named as usual.
 */
export function checkSignatures(
  items: ReadonlyArray<{ sig: Signature; message: Uint8Array }>,
  gpk: PreparedGroupKey,
  basename?: Uint8Array,
): (string | null)[] {
  if (items.length === 1) return [checkSignature(items[0]!.sig, items[0]!.message, gpk, basename)];
  const results = items.map(({ sig, message }) => signatureProofFailure(sig, message, basename));
  const pending = items.filter((_, i) => results[i] === null).map(({ sig }) => sig);
  if (pending.length > 0 && !batchPairingsHold(pending, gpk)) {
    items.forEach(({ sig, message }, i) => {
      if (results[i] === null) results[i] = checkSignature(sig, message, gpk, basename);
    });
  }
  return results;
}

function batchPairingsHold(sigs: Signature[], gpk: PreparedGroupKey): boolean {
  let onY = G1Point.ZERO;
  let onP2 = G1Point.ZERO;
  let onX = G1Point.ZERO;
  for (const { R, S, T, W } of sigs) {
    const RW = R.add(W);
    if (RW.is0()) return false;
    const a = batchingScalar();
    const b = batchingScalar();
    onY = onY.add(R.multiplyUnsafe(a));
    onP2 = onP2.add(T.mulAddUnsafe(b, S, Fn.neg(a)));
    onX = onX.add(RW.multiplyUnsafe(b));
  }
  const product = pairingProduct([
    [onY, gpk.YLines],
    [onP2, p2Prepared()],
    [onX.negate(), gpk.XLines],
  ]);
  return Fp12.eql(product, Fp12.ONE);
}

/** Decodes revocation lists: secret keys (32 bytes each) and pseudonyms K (65 bytes each). */
export function decodeRevocations(revocations: Revocations = {}): {
  secretKeys: bigint[];
  basenames: G1[];
} {
  return {
    secretKeys: (revocations.secretKeys ?? []).map((b, i) =>
      wrap(`secret-key revocation ${i}`, () => decodeScalar(b, 'sk', true)),
    ),
    basenames: (revocations.basenames ?? []).map((b, i) =>
      wrap(`basename revocation ${i}`, () => decodeG1(b, 'K')),
    ),
  };
}

export function checkSignatureBytes(
  signature: Uint8Array,
  message: Uint8Array,
  gpk: Uint8Array,
  basename?: Uint8Array,
  revocations?: Revocations,
): string | null {
  const sig = decodeSignature(signature);
  const prepared = prepareGroupPublicKey(gpk);
  return checkSignature(sig, message, prepared, basename, decodeRevocations(revocations));
}

/**
 * {@link checkSignatures} from bytes: one answer per signature, the failed check or null, or
 * `{ formatError }` for a signature that does not decode (the others are still checked).
 */
export function checkSignaturesBytes(
  items: ReadonlyArray<readonly [signature: Uint8Array, message: Uint8Array]>,
  gpk: Uint8Array,
  basename?: Uint8Array,
): (string | null | { formatError: string })[] {
  const prepared = prepareGroupPublicKey(gpk);
  const out: (string | null | { formatError: string })[] = items.map(() => null);
  const decoded: { sig: Signature; message: Uint8Array; at: number }[] = [];
  items.forEach(([signature, message], at) => {
    try {
      decoded.push({ sig: decodeSignature(signature), message, at });
    } catch (e) {
      if (!(e instanceof EcdaaFormatError)) throw e;
      out[at] = { formatError: e.message };
    }
  });
  checkSignatures(decoded, prepared, basename).forEach((r, i) => (out[decoded[i]!.at] = r));
  return out;
}

export function verifySignatureBytes(
  signature: Uint8Array,
  message: Uint8Array,
  gpk: Uint8Array,
  basename?: Uint8Array,
  revocations?: Revocations,
): boolean {
  return checkSignatureBytes(signature, message, gpk, basename, revocations) === null;
}

/** XTT's group id: SHA-256(GPK(258) ‖ basename). */
export function groupId(gpk: Uint8Array, basename: Uint8Array): Uint8Array {
  expectLength(gpk, [GROUP_PUBLIC_KEY_BYTES], 'group public key');
  return sha256(concat(gpk, basename));
}
