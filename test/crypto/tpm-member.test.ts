// The TPM-assisted member: joins and signatures made through EcdaaTpmSigner verify like a
// software member's. swtpm runs the real thing; a software model of the TPM's ECDAA
// arithmetic covers the retry on a short nonce, which a real TPM does only by chance.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateIssuerKeyPair,
  issueCredentialBytes,
  verifyCredentialBytes,
  verifyMemberPublicKeyBytes,
  verifySignatureBytes,
} from '../../src/crypto/ecdaa.ts';
import { TPM_ATTEMPTS, TpmMemberError, tpmJoin, tpmSign } from '../../src/crypto/tpm-member.ts';
import { TPM_RH } from '../../src/tpm/constants.ts';
import { createEcdaaTpmSigner } from '../../src/tpm/ecdaa-signer.ts';
import { ecdaaKeyTemplate, storagePrimaryEcc } from '../../src/tpm/templates.ts';
import { runCli } from '../helpers/run-cli.ts';
import { useSwtpm } from '../helpers/swtpm.ts';
import { softwareEcdaaTpm } from './tpm-model.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('tpm-member over the TPM arithmetic model', () => {
  const { ipk, isk } = generateIssuerKeyPair();
  const gpk = ipk.slice(0, 258);

  it('joins and signs; retries from a fresh commit when n comes back short', async () => {
    const tpm = softwareEcdaaTpm(0x1234567890abcdefn, { shortNonces: 3 });
    const nonce = enc('model nonce');
    const pk = await tpmJoin(tpm, nonce);
    expect(tpm.signs).toBe(4);
    expect(verifyMemberPublicKeyBytes(pk, nonce)).toBe(true);
    const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
    expect(verifyCredentialBytes(credential, credentialSignature, pk, gpk)).toBe(true);
    const msg = enc('model message');
    const sig = await tpmSign(tpm, credential, msg);
    expect(sig.length).toBe(356);
    expect(verifySignatureBytes(sig, msg, gpk)).toBe(true);
    const bsn = enc('model basename');
    const sigBsn = await tpmSign(tpm, credential, msg, bsn);
    expect(sigBsn.length).toBe(421);
    expect(verifySignatureBytes(sigBsn, msg, gpk, bsn)).toBe(true);
    expect(verifySignatureBytes(sigBsn, enc('other'), gpk, bsn)).toBe(false);
  });

  it(`gives up after ${TPM_ATTEMPTS} short nonces with a clear error`, async () => {
    const tpm = softwareEcdaaTpm(42n, { shortNonces: TPM_ATTEMPTS });
    await expect(tpmJoin(tpm, enc('n'))).rejects.toThrow(/short nonce n 10 times in a row/);
  });

  it('refuses to sign under a credential issued to another key', async () => {
    const tpm = softwareEcdaaTpm(7n);
    const other = softwareEcdaaTpm(8n);
    const { credential } = issueCredentialBytes(await tpmJoin(other, enc('x')), isk);
    await expect(tpmSign(tpm, credential, enc('m'))).rejects.toThrow(TpmMemberError);
    await expect(tpmSign(tpm, credential, enc('m'), enc('b'))).rejects.toThrow(
      /not issued to this TPM key/,
    );
  });
});

describe('tpm-member on swtpm', () => {
  const fx = useSwtpm(1);
  const { ipk, isk } = generateIssuerKeyPair();
  const gpk = ipk.slice(0, 258);

  /** Xaptum's key: an ECDAA BN_P256 child of a platform storage primary (domain.md §4). */
  async function withEcdaaKey<T>(fn: (key: number) => Promise<T>): Promise<T> {
    const t = fx.tpms[0]!;
    const parent = await t.CreatePrimary(TPM_RH.PLATFORM, storagePrimaryEcc());
    try {
      const created = await t.Create(parent.objectHandle, ecdaaKeyTemplate({ noDA: true }));
      const key = await t.Load(parent.objectHandle, created.outPrivate, created.outPublic);
      try {
        return await fn(key.objectHandle);
      } finally {
        await t.FlushContext(key.objectHandle);
      }
    } finally {
      await t.FlushContext(parent.objectHandle);
    }
  }

  it('a TPM-made join, then signatures with and without basename, verify', async () => {
    await withEcdaaKey(async (key) => {
      const signer = await createEcdaaTpmSigner(fx.tpms[0]!, key);
      const nonce = enc('swtpm join nonce');
      const pk = await tpmJoin(signer, nonce);
      expect(pk.subarray(0, 65)).toEqual(signer.publicPoint);
      expect(verifyMemberPublicKeyBytes(pk, nonce)).toBe(true);
      expect(verifyMemberPublicKeyBytes(pk, enc('another nonce'))).toBe(false);
      const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
      expect(verifyCredentialBytes(credential, credentialSignature, pk, gpk)).toBe(true);

      const msg = enc('hello from swtpm');
      const bsn = enc('xtt.example.net');
      const plain = await tpmSign(signer, credential, msg);
      expect(plain.length).toBe(356);
      expect(verifySignatureBytes(plain, msg, gpk)).toBe(true);
      expect(verifySignatureBytes(plain, enc('hello from swtpN'), gpk)).toBe(false);
      const first = await tpmSign(signer, credential, msg, bsn);
      const second = await tpmSign(signer, credential, enc('second'), bsn);
      expect(first.length).toBe(421);
      expect(verifySignatureBytes(first, msg, gpk, bsn)).toBe(true);
      expect(verifySignatureBytes(second, enc('second'), gpk, bsn)).toBe(true);
      expect(verifySignatureBytes(first, msg, gpk, enc('xtt.example.org'))).toBe(false);
      // Same basename, same pseudonym K: the TPM's K is sk·hash_to_G1(bsn).
      expect(second.subarray(356)).toEqual(first.subarray(356));
      expect(verifySignatureBytes(first, msg, gpk, bsn, { basenames: [first.subarray(356)] })).toBe(
        false,
      );

      // And through the command line, as Xaptum's tool files.
      const dir = mkdtempSync(path.join(tmpdir(), 'ztp-tpm-member-'));
      try {
        const f = (name: string, bytes: Uint8Array) => {
          writeFileSync(path.join(dir, name), bytes);
          return path.join(dir, name);
        };
        const args = ['-g', f('gpk', gpk), '-m', f('msg', msg), '-s', f('sig', first)];
        const ok = await runCli(['ecdaa', 'verify', ...args, '-b', f('bsn', bsn)]);
        expect(ok.code).toBe(0);
        const cred = await runCli([
          'ecdaa',
          'member',
          'processcredential',
          '-p',
          f('pk', pk),
          '-g',
          path.join(dir, 'gpk'),
          '-c',
          f('cred', credential),
          '-r',
          f('credsig', credentialSignature),
        ]);
        expect(cred.code).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('many TPM-made signatures in a row all verify (fresh commit each time)', async () => {
    await withEcdaaKey(async (key) => {
      const signer = await createEcdaaTpmSigner(fx.tpms[0]!, key);
      const pk = await tpmJoin(signer, enc('n'));
      const { credential } = issueCredentialBytes(pk, isk);
      const bsn = enc('bsn');
      for (let i = 0; i < 8; i++) {
        const msg = enc(`message ${i}`);
        const sig = await tpmSign(signer, credential, msg, i % 2 ? bsn : undefined);
        expect(verifySignatureBytes(sig, msg, gpk, i % 2 ? bsn : undefined)).toBe(true);
      }
    });
  });

  it('a credential issued to another TPM key is refused before signing ships', async () => {
    await withEcdaaKey(async (key) => {
      const signer = await createEcdaaTpmSigner(fx.tpms[0]!, key);
      const { credential } = issueCredentialBytes(
        await tpmJoin(softwareEcdaaTpm(5n), enc('n')),
        isk,
      );
      await expect(tpmSign(signer, credential, enc('m'))).rejects.toThrow(
        /not issued to this TPM key/,
      );
    });
  });
});
