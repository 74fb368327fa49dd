/**
 * An ECDAA member whose secret key never leaves a TPM (domain.md §4): the TPM makes the
 * Schnorr proofs with TPM2_Commit and TPM2_Sign (ECDAA scheme), the host does the rest.
 * Output bytes are the same layouts as a software member's, so the issuer and verifiers
 * cannot tell them apart.
 */
import {
  decodeCredential,
  encodeMemberPublicKey,
  encodeSignature,
  joinDigest,
  randomScalar,
  randomizeCredential,
  signatureDigest,
  verifyMemberPublicKey,
  type Rng,
  type Signature,
} from './ecdaa.ts';
import {
  EncodingError,
  Fn,
  P1,
  SCALAR_BYTES,
  bigintToBytes,
  decodeG1,
  encodeG1,
  hashToG1,
  hashToScalar,
  type G1,
} from './fp256bn.ts';
import type { EcdaaTpmSigner } from './tpm-signer.ts';

export interface TpmMemberOptions {
  /**
   * Check the TPM-made proof here (default true). A caller that verifies the result fully
   * anyway, off the main thread (the provisioning engine's worker pool), passes false.
   */
  check?: boolean;
}

/** Xaptum's xaptum-tpm retries this many times when the TPM's nonce n comes back short. */
export const TPM_ATTEMPTS = 10;

/** The TPM answered with something that is not a valid proof for this key. */
export class TpmMemberError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TpmMemberError';
  }
}

function tpmPoint(bytes: Uint8Array | undefined, name: string): G1 {
  if (!bytes) throw new TpmMemberError(`TPM2_Commit returned no ${name}`);
  try {
    return decodeG1(bytes, `${name} from the TPM`);
  } catch (e) {
    if (e instanceof EncodingError) throw new TpmMemberError(e.message);
    throw e;
  }
}

/**
 * s from TPM2_Sign as a scalar: a TPM drops leading zero bytes of signatureS, so a shorter
 * value is fine, but never a longer one or one ≥ n.
 */
function tpmScalar(bytes: Uint8Array): bigint {
  if (bytes.length > SCALAR_BYTES) {
    throw new TpmMemberError(`TPM2_Sign returned a ${bytes.length}-byte s, expected at most 32`);
  }
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (v >= Fn.ORDER) throw new TpmMemberError('TPM2_Sign returned s ≥ n');
  return v;
}

type Committed = Awaited<ReturnType<EcdaaTpmSigner['commit']>>;

/**
 * Commit, hash, sign until the TPM's n is a full 32 bytes (the layouts carry 32 bytes and
 * the TPM hashed n as it returned it, so a short n cannot be padded afterwards).
 */
async function commitAndSign<T>(
  signer: EcdaaTpmSigner,
  commit: () => ReturnType<EcdaaTpmSigner['commit']>,
  digestOf: (c: Committed) => Uint8Array,
  finish: (n: Uint8Array, s: bigint, c: bigint, committed: Committed) => T,
): Promise<T> {
  for (let attempt = 0; attempt < TPM_ATTEMPTS; attempt++) {
    const committed = await commit();
    const digest = digestOf(committed);
    const { n, s } = await signer.sign(digest, committed.counter);
    if (n.length !== SCALAR_BYTES) continue;
    return finish(n.slice(), tpmScalar(s), hashToScalar(n, digest), committed);
  }
  throw new TpmMemberError(
    `the TPM returned a short nonce n ${TPM_ATTEMPTS} times in a row; check the TPM and retry`,
  );
}

/**
 * The member public key Q ‖ c ‖ s ‖ n (161 bytes) for the issuer's nonce, proved by the TPM:
 * Commit with P1 = the generator, c′ = H(E ‖ P1 ‖ Q ‖ nonce), Sign(c′).
 */
export async function tpmJoin(
  signer: EcdaaTpmSigner,
  nonce: Uint8Array,
  options: TpmMemberOptions = {},
): Promise<Uint8Array> {
  const Q = tpmPoint(signer.publicPoint, 'member public key Q');
  const pk = await commitAndSign(
    signer,
    () => signer.commit(encodeG1(P1)),
    ({ E }) => joinDigest(tpmPoint(E, 'E'), Q, nonce),
    (n, s, c) => ({ Q, c, s, n }),
  );
  // The issuer checks this proof anyway; checking here turns a TPM key problem (wrong
  // curve or nameAlg) into a clear error at the device instead of a refused join.
  if ((options.check ?? true) && !verifyMemberPublicKey(pk, nonce)) {
    throw new TpmMemberError(
      'the TPM-made join proof does not verify: the key is not a BN_P256 ECDAA key with SHA-256',
    );
  }
  return encodeMemberPublicKey(pk);
}

/**
 * A signature (356 bytes, or 421 with a basename) by the TPM-held key on `message`, under a
 * credential issued to that key: Commit with P1 = S (and s2 = LE32(i) ‖ bsn, y2 = y of
 * hash_to_G1(bsn) for a basename), then Sign(c′). Draws l.
 */
export async function tpmSign(
  signer: EcdaaTpmSigner,
  credential: Uint8Array,
  message: Uint8Array,
  basename?: Uint8Array,
  rng: Rng = randomScalar,
  options: TpmMemberOptions & {
    /** R ‖ S ‖ T ‖ W made ahead from `credential` (randomizeCredentialBytes), e.g. in a worker. */
    randomized?: Uint8Array;
  } = {},
): Promise<Uint8Array> {
  let randomized: { A: G1; B: G1; C: G1; D: G1 };
  if (options.randomized) {
    randomized = decodeCredential(options.randomized);
  } else {
    const l = rng();
    if (l === 0n) throw new RangeError('Rng returned zero');
    randomized = randomizeCredential(decodeCredential(credential), l);
  }
  const { A: R, B: S, C: T, D: W } = randomized;
  const hashed = basename === undefined ? undefined : hashToG1(basename);
  const s2y2 = hashed && {
    s2: new Uint8Array([...le32(hashed.i), ...(basename as Uint8Array)]),
    y2: bigintToBytes(hashed.point.toAffine().y),
  };
  const sig = await commitAndSign(
    signer,
    () => signer.commit(encodeG1(S), s2y2),
    (c) => {
      const E = tpmPoint(c.E, 'E');
      if (!hashed) return signatureDigest(E, S, W, message);
      const K = tpmPoint(c.K, 'K');
      const L = tpmPoint(c.L, 'L');
      return signatureDigest(E, S, W, message, {
        L,
        B: hashed.point,
        K,
        basename: basename as Uint8Array,
      });
    },
    (n, s, c, committed): Signature => {
      const out: Signature = { c, s, R, S, T, W, n };
      if (hashed) out.K = tpmPoint(committed.K, 'K');
      return out;
    },
  );
  if (options.check ?? true) {
    checkProof(sig, message, hashed && { B: hashed.point, basename: basename as Uint8Array });
  }
  return encodeSignature(sig);
}

/**
 * The proof part of the signature, which needs no GPK: recompute E = s·S − c·W (and
 * L = s·B′ − c·K) and c from them. It fails when W ≠ sk·S, i.e. when the credential was
 * issued to another key than the TPM's, which a device should learn before it ships.
 */
function checkProof(
  sig: Signature,
  message: Uint8Array,
  bsn?: { B: G1; basename: Uint8Array },
): void {
  const minusC = Fn.neg(sig.c);
  const E = sig.S.mulAddUnsafe(sig.s, sig.W, minusC);
  let digest: Uint8Array | undefined;
  if (!E.is0()) {
    if (!bsn) digest = signatureDigest(E, sig.S, sig.W, message);
    else if (sig.K) {
      const L = bsn.B.mulAddUnsafe(sig.s, sig.K, minusC);
      if (!L.is0()) {
        digest = signatureDigest(E, sig.S, sig.W, message, {
          L,
          B: bsn.B,
          K: sig.K,
          basename: bsn.basename,
        });
      }
    }
  }
  if (!digest || hashToScalar(sig.n, digest) !== sig.c) {
    throw new TpmMemberError(
      'the TPM-made signature does not verify: the credential was not issued to this TPM key',
    );
  }
}

function le32(i: number): Uint8Array {
  return new Uint8Array([i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24]);
}
