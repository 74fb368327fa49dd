// CryptoPool for real: worker threads started from the TypeScript sources under vitest.
import { afterAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { EcdaaFormatError, generateMemberKeyPair } from '../../src/crypto/ecdaa.ts';

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
