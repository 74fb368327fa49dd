import { describe, expect, it } from 'vitest';
import { Keyring, SealedSecretError, WrongPassphraseError } from '../../src/store/keyring.ts';

const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('Keyring', () => {
  it('seals and opens a secret bound to its context', async () => {
    const { keyring, header } = await Keyring.create('correct horse', FAST);
    const secret = new Uint8Array(64).map((_, i) => i);
    const sealed = keyring.seal(secret, 'issuer-key:b1');
    expect(Buffer.from(sealed).includes(Buffer.from(secret))).toBe(false);
    const again = await Keyring.unlock(header, 'correct horse');
    expect(again.open(sealed, 'issuer-key:b1')).toEqual(Buffer.from(secret));
    expect(() => again.open(sealed, 'issuer-key:b2')).toThrow(SealedSecretError);
  });

  it('refuses a wrong passphrase with a clear error', async () => {
    const { header } = await Keyring.create('correct horse', FAST);
    await expect(Keyring.unlock(header, 'Correct horse')).rejects.toThrow(WrongPassphraseError);
  });

  it('detects any flipped byte of a sealed secret', async () => {
    const { keyring } = await Keyring.create('correct horse', FAST);
    const sealed = keyring.seal(new Uint8Array(32).fill(7), 'x');
    for (let i = 0; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed);
      bad[i]! ^= 0x01;
      expect(() => keyring.open(bad, 'x')).toThrow(SealedSecretError);
    }
  });

  it('keeps secrets valid across a passphrase change and forgets the key when locked', async () => {
    const { keyring } = await Keyring.create('correct horse', FAST);
    const sealed = keyring.seal(Uint8Array.of(1, 2, 3), 'x');
    const header2 = await keyring.rewrap('battery staple', FAST);
    const k2 = await Keyring.unlock(header2, 'battery staple');
    expect([...k2.open(sealed, 'x')]).toEqual([1, 2, 3]);
    k2.lock();
    expect(() => k2.open(sealed, 'x')).toThrow(/locked/);
  });

  it('refuses short passphrases', async () => {
    await expect(Keyring.create('short', FAST)).rejects.toThrow(/at least 8/);
  });
});
