// The deterministic run of Xaptum's ecdaa in shared/vectors/xaptum-ecdaa, reproduced byte for
// byte with its RNG (domain.md §6), and every object in it checked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EcdaaFormatError,
  checkSignatureBytes,
  extractGpk,
  generateIssuerKeyPair,
  generateMemberKeyPair,
  issueCredentialBytes,
  signBytes,
  verifyCredentialBytes,
  verifyIssuerPublicKeyBytes,
  verifyMemberPublicKeyBytes,
  verifySignatureBytes,
} from '../../src/crypto/ecdaa.ts';
import { encodeG1, hashToG1 } from '../../src/crypto/fp256bn.ts';
import { VECTORS_DIR } from '../helpers/paths.ts';
import { xaptumRng } from './xaptum-rng.ts';

const dir = path.join(VECTORS_DIR, 'xaptum-ecdaa');
const file = (f: string) => new Uint8Array(readFileSync(path.join(dir, f)));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const vectorsTxt = readFileSync(path.join(dir, 'vectors.txt'), 'utf8');
/** A hex value from vectors.txt, by the label that starts its line. */
const txt = (label: string) => {
  const line = vectorsTxt.split('\n').find((l) => l.trim().startsWith(label));
  if (!line) throw new Error(`vectors.txt has no line '${label}'`);
  return line.slice(line.lastIndexOf(':') + 1).trim();
};

const v = {
  isk: file('isk.bin'),
  ipk: file('ipk.bin'),
  gpk: file('gpk.bin'),
  nonce: file('nonce.txt'),
  memberSk: file('member_sk.bin'),
  memberPk: file('member_pk.bin'),
  cred: file('cred.bin'),
  credSig: file('cred_sig.bin'),
  msg: file('msg.bin'),
  bsn: file('bsn.bin'),
  sigNoBsn: file('sig_nobsn.bin'),
  sigBsn: file('sig_bsn.bin'),
};

describe('xaptum-ecdaa deterministic run', () => {
  it('the .bin files and vectors.txt agree', () => {
    expect(hex(v.isk)).toBe(txt('isk = x||y'));
    expect(hex(v.ipk)).toBe(txt('ipk = X||Y||c||sx||sy'));
    expect(hex(v.memberPk)).toBe(txt('member pk = Q||c||s||n'));
    expect(new TextDecoder().decode(v.nonce)).toBe('join-nonce-0001');
  });

  it('reproduces every object byte for byte from the same draws', () => {
    const rng = xaptumRng(0);
    const { ipk, isk } = generateIssuerKeyPair(rng);
    expect(hex(isk)).toBe(hex(v.isk));
    expect(hex(ipk)).toBe(hex(v.ipk));
    expect(rng.position()).toBe(260);
    const { pk, sk } = generateMemberKeyPair(v.nonce, rng);
    expect(hex(sk)).toBe(hex(v.memberSk));
    expect(hex(pk)).toBe(hex(v.memberPk));
    expect(rng.position()).toBe(455);
    const { credential, credentialSignature } = issueCredentialBytes(pk, isk, rng);
    expect(hex(credential)).toBe(hex(v.cred));
    expect(hex(credentialSignature)).toBe(hex(v.credSig));
    expect(rng.position()).toBe(585);
    expect(hex(signBytes(sk, credential, v.msg, undefined, rng))).toBe(hex(v.sigNoBsn));
    expect(rng.position()).toBe(780);
    expect(hex(signBytes(sk, credential, v.msg, v.bsn, rng))).toBe(hex(v.sigBsn));
    expect(rng.position()).toBe(975);
  });

  it('every object verifies', () => {
    expect(verifyIssuerPublicKeyBytes(v.ipk)).toBe(true);
    expect(hex(extractGpk(v.ipk))).toBe(hex(v.gpk));
    expect(verifyMemberPublicKeyBytes(v.memberPk, v.nonce)).toBe(true);
    expect(verifyCredentialBytes(v.cred, v.credSig, v.memberPk, v.gpk)).toBe(true);
    expect(verifyCredentialBytes(v.cred, v.credSig, v.memberPk.subarray(0, 65), v.gpk)).toBe(true);
    expect(checkSignatureBytes(v.sigNoBsn, v.msg, v.gpk)).toBeNull();
    expect(checkSignatureBytes(v.sigBsn, v.msg, v.gpk, v.bsn)).toBeNull();
  });

  it('hash_to_G1 matches ecp_FP256BN_fromhash', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const cases: [string, number, string][] = [
      ['BASENAME', 1, 'basename "BASENAME": counter i=1'],
      ['xaptum', 0, 'basename "xaptum": counter i=0'],
      ['a', 0, 'basename "a": counter i=0'],
    ];
    const lines = vectorsTxt.split('\n');
    for (const [bsn, i, label] of cases) {
      const at = lines.findIndex((l) => l.startsWith(label));
      const expected = lines[at + 1]!.split(':')[1]!.trim();
      const r = hashToG1(enc(bsn));
      expect(r.i).toBe(i);
      expect(hex(encodeG1(r.point))).toBe(expected);
    }
  });

  it('checks fail for the wrong nonce, message, basename and credential holder', () => {
    expect(
      verifyMemberPublicKeyBytes(v.memberPk, new TextEncoder().encode('join-nonce-0002')),
    ).toBe(false);
    const otherMsg = new TextEncoder().encode('message to sigN');
    expect(verifySignatureBytes(v.sigNoBsn, otherMsg, v.gpk)).toBe(false);
    expect(verifySignatureBytes(v.sigBsn, v.msg, v.gpk, new TextEncoder().encode('BASENAMF'))).toBe(
      false,
    );
    expect(verifySignatureBytes(v.sigBsn, v.msg, v.gpk)).toBe(false);
    expect(verifySignatureBytes(v.sigNoBsn, v.msg, v.gpk, v.bsn)).toBe(false);
    const otherQ = encodeG1(hashToG1(new Uint8Array([9])).point);
    expect(verifyCredentialBytes(v.cred, v.credSig, otherQ, v.gpk)).toBe(false);
  });

  it('revocation lists: the signer’s secret key and its pseudonym K', () => {
    const K = v.sigBsn.subarray(356);
    const otherSk = new Uint8Array(32).fill(1);
    expect(
      verifySignatureBytes(v.sigNoBsn, v.msg, v.gpk, undefined, { secretKeys: [otherSk] }),
    ).toBe(true);
    expect(
      checkSignatureBytes(v.sigNoBsn, v.msg, v.gpk, undefined, {
        secretKeys: [otherSk, v.memberSk],
      }),
    ).toMatch(/secret key is revoked/);
    expect(checkSignatureBytes(v.sigBsn, v.msg, v.gpk, v.bsn, { basenames: [K] })).toMatch(
      /basename revocation list/,
    );
    const otherK = encodeG1(hashToG1(new Uint8Array([1])).point);
    expect(verifySignatureBytes(v.sigBsn, v.msg, v.gpk, v.bsn, { basenames: [otherK] })).toBe(true);
    expect(() =>
      verifySignatureBytes(v.sigBsn, v.msg, v.gpk, v.bsn, { basenames: [K.subarray(1)] }),
    ).toThrow(/basename revocation 0: .*expected 65 bytes/);
  });

  it('malformed objects throw EcdaaFormatError naming the field', () => {
    expect(() => verifyIssuerPublicKeyBytes(v.ipk.subarray(1))).toThrow(
      /issuer public key: expected 354 bytes, got 353/,
    );
    const badC = v.sigNoBsn.slice();
    badC.fill(0xff, 0, 32);
    expect(() => verifySignatureBytes(badC, v.msg, v.gpk)).toThrow(EcdaaFormatError);
    expect(() => verifySignatureBytes(badC, v.msg, v.gpk)).toThrow(
      /signature: c: not reduced below the group order n/,
    );
    const badT = v.sigNoBsn.slice();
    badT[194] = 0x03;
    expect(() => verifySignatureBytes(badT, v.msg, v.gpk)).toThrow(/signature: T: expected the/);
    const zeroSk = new Uint8Array(32);
    expect(() => signBytes(zeroSk, v.cred, v.msg)).toThrow(
      /member secret key: sk: must not be zero/,
    );
    expect(() => verifyCredentialBytes(v.cred, v.credSig, v.memberPk, v.ipk)).toThrow(
      /group public key: expected 258 bytes/,
    );
  });
});
