// CryptoPool for real: worker threads started from the TypeScript sources under vitest.
import { afterAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import {
  EcdaaFormatError,
  checkSignaturesBytes,
  generateMemberKeyPair,
  signBytes,
} from '../../src/crypto/ecdaa.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('CryptoPool', () => {
  const pool = new CryptoPool(2);
  afterAll(() => pool.close());

  it('runs the whole issuer/member flow in workers', async () => {
    const { ipk, isk } = await pool.generateIssuerKeyPair();
    expect(ipk.length).toBe(354);
    expect(isk.length).toBe(64);
    expect(await pool.verifyIssuerPublicKey(ipk)).toBe(true);
    const gpk = ipk.slice(0, 258);
    const nonce = enc('pool nonce');
    const { pk, sk } = generateMemberKeyPair(nonce);
    expect(await pool.verifyMemberPublicKey(pk, nonce)).toBe(true);
    expect(await pool.verifyMemberPublicKey(pk, enc('other nonce'))).toBe(false);
    const { credential, credentialSignature } = await pool.issueCredential(pk, isk);
    expect(await pool.verifyCredential(credential, credentialSignature, pk, gpk)).toBe(true);
    expect(await pool.checkCredential(credential, credentialSignature, pk, gpk)).toBeNull();

    // Many signature checks at once, spread over both workers, each with its own answer.
    const msgs = Array.from({ length: 6 }, (_, i) => enc(`message ${i}`));
    const sigs = await Promise.all(msgs.map((m) => pool.sign(sk, credential, m, enc('bsn'))));
    const results = await Promise.all(
      sigs.map((s, i) =>
        pool.verifySignature(s, msgs[i % 2 === 0 ? i : (i + 1) % 6]!, gpk, enc('bsn')),
      ),
    );
    expect(results).toEqual([true, false, true, false, true, false]);
    const revoked = await pool.checkSignature(sigs[0]!, msgs[0]!, gpk, enc('bsn'), {
      secretKeys: [sk],
    });
    expect(revoked).toMatch(/revoked/);
  });

  it('checks queued signatures together, each with its own answer', async () => {
    const one = new CryptoPool(1);
    try {
      const { ipk, isk } = await one.generateIssuerKeyPair();
      const gpk = ipk.slice(0, 258);
      const { pk, sk } = generateMemberKeyPair(enc('n'));
      const { credential } = await one.issueCredential(pk, isk);
      const other = await one.issueCredential(generateMemberKeyPair(enc('n')).pk, isk);
      const msgs = Array.from({ length: 7 }, (_, i) => enc(`message ${i}`));
      const sigs = msgs.map((m) => signBytes(sk, credential, m, enc('bsn')));
      // A signature whose proof holds but whose credential is not one (the pairing fails).
      const forged = signBytes(sk, other.credential, msgs[2]!, enc('bsn'));
      const calls = [
        one.verifySignatureBatched(sigs[0]!, msgs[0]!, gpk, enc('bsn')),
        one.verifySignatureBatched(sigs[1]!, msgs[1]!, gpk, enc('bsn')),
        one.verifySignatureBatched(forged, msgs[2]!, gpk, enc('bsn')),
        one.verifySignatureBatched(sigs[3]!, msgs[4]!, gpk, enc('bsn')),
        one.verifySignatureBatched(sigs[4]!, msgs[4]!, gpk, enc('bsn')),
        one.verifySignatureBatched(sigs[5]!, msgs[5]!, gpk, enc('other bsn')),
        one.verifySignatureBatched(sigs[6]!.subarray(1), msgs[6]!, gpk, enc('bsn')),
      ];
      const results = await Promise.allSettled(calls);
      expect(results.slice(0, 6).map((r) => r.status === 'fulfilled' && r.value)).toEqual([
        true,
        true,
        false,
        false,
        true,
        false,
      ]);
      expect(results[6]!.status).toBe('rejected');
      expect((results[6] as PromiseRejectedResult).reason).toBeInstanceOf(EcdaaFormatError);
      // Every valid signature of a batch passes; so does each alone.
      const good = await Promise.all(
        sigs.map((s, i) => one.verifySignatureBatched(s, msgs[i]!, gpk, enc('bsn'))),
      );
      expect(good).toEqual(sigs.map(() => true));
    } finally {
      await one.close();
    }
  });

  it('checkSignaturesBytes answers as checkSignatureBytes does, one by one', async () => {
    const { ipk, isk } = await pool.generateIssuerKeyPair();
    const gpk = ipk.slice(0, 258);
    const { pk, sk } = generateMemberKeyPair(enc('n'));
    const { credential } = await pool.issueCredential(pk, isk);
    const a = signBytes(sk, credential, enc('a'));
    const b = signBytes(sk, credential, enc('b'));
    expect(
      checkSignaturesBytes(
        [
          [a, enc('a')],
          [b, enc('b')],
        ],
        gpk,
      ),
    ).toEqual([null, null]);
    expect(
      checkSignaturesBytes(
        [
          [a, enc('a')],
          [b, enc('a')],
          [a, enc('a')],
        ],
        gpk,
      ),
    ).toEqual([null, 'signature proof does not hold for this message and basename', null]);
    expect(checkSignaturesBytes([[a, enc('a')]], gpk, enc('bsn'))).toEqual([
      'signature has no pseudonym K (356 bytes) but a basename was given',
    ]);
    expect(checkSignaturesBytes([[a.subarray(2), enc('a')]], gpk)[0]).toHaveProperty('formatError');
  });

  it('rejects malformed input with EcdaaFormatError, keeps working afterwards', async () => {
    await expect(pool.verifyIssuerPublicKey(new Uint8Array(10))).rejects.toThrow(EcdaaFormatError);
    await expect(pool.verifyIssuerPublicKey(new Uint8Array(10))).rejects.toThrow(
      'issuer public key: expected 354 bytes, got 10',
    );
    const { ipk } = await pool.generateIssuerKeyPair();
    expect(await pool.verifyIssuerPublicKey(ipk)).toBe(true);
  });

  it('refuses calls after close', async () => {
    const p = new CryptoPool(1);
    expect(await p.verifyMemberPublicKey(generateMemberKeyPair(enc('n')).pk, enc('n'))).toBe(true);
    await p.close();
    await expect(p.generateIssuerKeyPair()).rejects.toThrow(/closed/);
    expect(() => new CryptoPool(0)).toThrow(RangeError);
  });
});
