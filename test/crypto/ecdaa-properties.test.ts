// Properties: bilinearity and non-degeneracy of the pairing; every byte of every ECDAA object
// matters (flipping one makes its check fail or the object malformed); a signature does not
// check under another message, basename or group.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EcdaaFormatError,
  checkCredentialBytes,
  checkSignatureBytes,
  decodeSignature,
  encodeSignature,
  generateIssuerKeyPair,
  signatureDigest,
  generateMemberKeyPair,
  issueCredentialBytes,
  signBytes,
  verifyCredentialBytes,
  verifyIssuerPublicKeyBytes,
  verifyMemberPublicKeyBytes,
  verifySignatureBytes,
} from '../../src/crypto/ecdaa.ts';
import {
  Fn,
  Fp12,
  GROUP_ORDER,
  encodeScalar,
  hashToScalar,
  P1,
  P2,
  pairing,
  pairingProduct,
  prepareG2,
} from '../../src/crypto/fp256bn.ts';

const scalar = fc.bigInt({ min: 1n, max: GROUP_ORDER - 1n });
const enc = (s: string) => new TextEncoder().encode(s);

describe('pairing', () => {
  const base = pairing(P1, P2);

  it('is non-degenerate and lands in the order-n subgroup of Fp12*', () => {
    expect(Fp12.eql(base, Fp12.ONE)).toBe(false);
    expect(Fp12.eql(Fp12.pow(base, GROUP_ORDER), Fp12.ONE)).toBe(true);
  });

  it('is bilinear: e(a·P, b·Q) = e(P, Q)^(ab) = e(ab·P, Q)', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        const lhs = pairing(P1.multiply(a), P2.multiply(b));
        expect(Fp12.eql(lhs, Fp12.pow(base, (a * b) % GROUP_ORDER))).toBe(true);
        expect(Fp12.eql(lhs, pairing(P1.multiply((a * b) % GROUP_ORDER), P2))).toBe(true);
      }),
      { numRuns: 5 },
    );
  });

  it('products share one final exponentiation and accept prepared G2 tables', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        const p = P1.multiply(a);
        const q = P2.multiply(b);
        const product = pairingProduct([
          [p, q],
          [P1, prepareG2(P2)],
        ]);
        expect(Fp12.eql(product, Fp12.mul(pairing(p, q), base))).toBe(true);
        // e(p, q) · e(−p, q) = 1
        const one = pairingProduct([
          [p, prepareG2(q)],
          [p.negate(), q],
        ]);
        expect(Fp12.eql(one, Fp12.ONE)).toBe(true);
      }),
      { numRuns: 3 },
    );
  });
});

/** True when the flipped object no longer passes: either the check fails or decoding throws. */
function rejected(check: () => boolean): boolean {
  try {
    return check() === false;
  } catch (e) {
    if (e instanceof EcdaaFormatError) return true;
    throw e;
  }
}

function flipped(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  out[index] = (out[index] ?? 0) ^ mask;
  return out;
}

describe('every byte matters', () => {
  const { ipk, isk } = generateIssuerKeyPair();
  const gpk = ipk.slice(0, 258);
  const nonce = enc('flip-nonce');
  const { pk, sk } = generateMemberKeyPair(nonce);
  const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
  const msg = enc('flip message');
  const bsn = enc('flip basename');
  const sig = signBytes(sk, credential, msg);
  const sigBsn = signBytes(sk, credential, msg, bsn);

  it('the untouched objects verify', () => {
    expect(verifyIssuerPublicKeyBytes(ipk)).toBe(true);
    expect(verifyMemberPublicKeyBytes(pk, nonce)).toBe(true);
    expect(verifyCredentialBytes(credential, credentialSignature, pk, gpk)).toBe(true);
    expect(verifySignatureBytes(sig, msg, gpk)).toBe(true);
    expect(verifySignatureBytes(sigBsn, msg, gpk, bsn)).toBe(true);
  });

  const cases: [string, Uint8Array, (b: Uint8Array) => boolean][] = [
    ['issuer public key', ipk, (b) => verifyIssuerPublicKeyBytes(b)],
    ['member public key', pk, (b) => verifyMemberPublicKeyBytes(b, nonce)],
    ['join nonce', nonce, (b) => verifyMemberPublicKeyBytes(pk, b)],
    ['credential', credential, (b) => verifyCredentialBytes(b, credentialSignature, pk, gpk)],
    [
      'credential signature',
      credentialSignature,
      (b) => verifyCredentialBytes(credential, b, pk, gpk),
    ],
    [
      'group public key (credential check)',
      gpk,
      (b) => verifyCredentialBytes(credential, credentialSignature, pk, b),
    ],
    ['signature', sig, (b) => verifySignatureBytes(b, msg, gpk)],
    ['signature with basename', sigBsn, (b) => verifySignatureBytes(b, msg, gpk, bsn)],
    ['group public key (signature check)', gpk, (b) => verifySignatureBytes(sigBsn, msg, b, bsn)],
    ['message', msg, (b) => verifySignatureBytes(sigBsn, b, gpk, bsn)],
    ['basename', bsn, (b) => verifySignatureBytes(sigBsn, msg, gpk, b)],
  ];

  it.each(cases)('flipping the low bit of any byte of the %s', (_name, bytes, check) => {
    for (let i = 0; i < bytes.length; i++) {
      if (!rejected(() => check(flipped(bytes, i)))) {
        throw new Error(`byte ${i} flipped still passes`);
      }
    }
  });

  it.each(cases)('flipping random bits of the %s', (_name, bytes, check) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (i, mask) => rejected(() => check(flipped(bytes, i, mask))),
      ),
      { numRuns: 40 },
    );
  });

  it('a signature does not check under another message, basename or group', () => {
    const other = generateIssuerKeyPair().ipk.slice(0, 258);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (m) => {
        fc.pre(Buffer.compare(Buffer.from(m), Buffer.from(msg)) !== 0);
        expect(verifySignatureBytes(sig, m, gpk)).toBe(false);
        expect(verifySignatureBytes(sigBsn, msg, gpk, m.length ? m : enc('x'))).toBe(false);
      }),
      { numRuns: 10 },
    );
    expect(verifySignatureBytes(sig, msg, other)).toBe(false);
    expect(verifySignatureBytes(sigBsn, msg, other, bsn)).toBe(false);
    expect(verifyCredentialBytes(credential, credentialSignature, pk, other)).toBe(false);
  });

  it('two basename signatures link through K, other basenames do not', () => {
    const again = signBytes(sk, credential, enc('second message'), bsn);
    const elsewhere = signBytes(sk, credential, msg, enc('another basename'));
    expect(again.subarray(356)).toEqual(sigBsn.subarray(356));
    expect(elsewhere.subarray(356)).not.toEqual(sigBsn.subarray(356));
  });
});

// Each of the two pairing equations must be checked on its own: an attacker who controls one
// side of one equation while keeping the other true must still be refused.
describe('each pairing equation is checked', () => {
  const { ipk, isk } = generateIssuerKeyPair();
  const gpk = ipk.slice(0, 258);
  const otherGpk = generateIssuerKeyPair().ipk.slice(0, 258);
  // X (the first 129 bytes) from one group and Y from the other: a valid-looking GPK for which
  // exactly one of the two equations holds.
  const xOtherYOwn = Uint8Array.from([...otherGpk.subarray(0, 129), ...gpk.subarray(129)]);
  const xOwnYOther = Uint8Array.from([...gpk.subarray(0, 129), ...otherGpk.subarray(129)]);
  const nonce = enc('equation-nonce');
  const { pk, sk } = generateMemberKeyPair(nonce);
  const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
  const msg = enc('equation message');
  const sig = signBytes(sk, credential, msg);

  it('a credential against a GPK with only X or only Y of its group fails', () => {
    expect(checkCredentialBytes(credential, credentialSignature, pk, gpk)).toBeNull();
    for (const mixed of [xOtherYOwn, xOwnYOther]) {
      expect(checkCredentialBytes(credential, credentialSignature, pk, mixed)).toMatch(
        /pairing check failed/,
      );
    }
  });

  it('a signature against a GPK with only X or only Y of its group fails', () => {
    expect(checkSignatureBytes(sig, msg, gpk)).toBeNull();
    for (const mixed of [xOtherYOwn, xOwnYOther]) {
      expect(checkSignatureBytes(sig, msg, mixed)).toMatch(/pairing check failed/);
    }
  });

  it('a forgery that keeps R, T, W of a seen signature and picks its own S is refused', () => {
    // e(T, P2) = e(R + W, X) still holds; only e(R, Y) = e(S, P2) can catch it.
    const seen = decodeSignature(sig);
    const forgedSk = 0x1234567890abcdefn;
    const S = seen.W.multiply(Fn.inv(forgedSk));
    const k = 0xfeedbeefn;
    const E = S.multiply(k);
    const n = encodeScalar(0x42n);
    const c = hashToScalar(n, signatureDigest(E, S, seen.W, msg));
    const forged = encodeSignature({ ...seen, S, c, s: Fn.add(k, Fn.mul(c, forgedSk)), n });
    expect(checkSignatureBytes(forged, msg, gpk)).toMatch(/pairing check failed/);
  });
});
