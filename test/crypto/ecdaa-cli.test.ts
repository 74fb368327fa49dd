// `ztp ecdaa …` run as a user would (bin/ztp), on Xaptum's files and on its own output.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifySignatureBytes } from '../../src/crypto/ecdaa.ts';
import { VECTORS_DIR } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

const xa = (f: string) => path.join(VECTORS_DIR, 'xaptum-ecdaa', f);
const xtt = (f: string) => path.join(VECTORS_DIR, 'xtt-data', f);
const work = mkdtempSync(path.join(tmpdir(), 'ztp-ecdaa-cli-'));
const w = (f: string) => path.join(work, f);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ecdaa = (...args: string[]) => runCli(['ecdaa', ...args]);

describe('ztp ecdaa on the shared vectors', () => {
  it('checks Xaptum’s credential and both signatures', async () => {
    const nonce = readFileSync(xa('nonce.txt'), 'utf8');
    const cred = await ecdaa(
      'member',
      'processcredential',
      '-p',
      xa('member_pk.bin'),
      '-g',
      xa('gpk.bin'),
      '-c',
      xa('cred.bin'),
      '-r',
      xa('cred_sig.bin'),
    );
    expect(cred).toMatchObject({ code: 0, stdout: 'credential OK\n' });
    const v1 = await ecdaa(
      'verify',
      '-g',
      xa('gpk.bin'),
      '-m',
      xa('msg.bin'),
      '-s',
      xa('sig_nobsn.bin'),
    );
    expect(v1.code).toBe(0);
    const v2 = await ecdaa(
      'verify',
      '-g',
      xa('gpk.bin'),
      '-m',
      xa('msg.bin'),
      '-s',
      xa('sig_bsn.bin'),
      '-b',
      xa('bsn.bin'),
    );
    expect(v2.code).toBe(0);
    const gpk = await ecdaa('extractgpk', '-p', xa('ipk.bin'), '-g', w('x-gpk'));
    expect(gpk.code).toBe(0);
    expect(readFileSync(w('x-gpk'))).toEqual(readFileSync(xa('gpk.bin')));
    // The issuer checks the join proof against the nonce before issuing.
    const issue = await ecdaa(
      'issuer',
      'issuecredential',
      '-p',
      xa('member_pk.bin'),
      '-s',
      xa('isk.bin'),
      '-n',
      nonce,
      '-c',
      w('x-cred'),
      '-r',
      w('x-credsig'),
    );
    expect(issue.code).toBe(0);
    const wrongNonce = await ecdaa(
      'issuer',
      'issuecredential',
      '-p',
      xa('member_pk.bin'),
      '-s',
      xa('isk.bin'),
      '-n',
      nonce + 'x',
      '-c',
      w('y-cred'),
      '-r',
      w('y-credsig'),
    );
    expect(wrongNonce).toMatchObject({
      code: 1,
      stderr: 'member public key: the join proof does not hold for this nonce\n',
    });
  });

  it('checks the xtt files and rejects the tampered message with exit 1', async () => {
    const ok = await ecdaa(
      'verify',
      '-g',
      xtt('daa_gpk.bin'),
      '-m',
      xtt('msg.bin'),
      '-s',
      xtt('sig_bsn.bin'),
      '-b',
      xtt('basename.bin'),
    );
    expect(ok.code).toBe(0);
    const bad = await ecdaa(
      'verify',
      '-g',
      xtt('daa_gpk.bin'),
      '-m',
      xtt('msg2.bin'),
      '-s',
      xtt('sig_nobsn.bin'),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      'signature proof does not hold for this message and basename',
    ]);
  });

  it('exits 2 for malformed files and bad arguments', async () => {
    const shortSig = await ecdaa(
      'verify',
      '-g',
      xa('gpk.bin'),
      '-m',
      xa('msg.bin'),
      '-s',
      xa('isk.bin'),
    );
    expect(shortSig.code).toBe(2);
    expect(shortSig.stderr).toContain(
      'malformed input: signature: expected 356 or 421 bytes, got 64',
    );
    const missing = await ecdaa('verify', '-g', xa('gpk.bin'), '-m', xa('msg.bin'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --sig (-s)');
    const noFile = await ecdaa(
      'verify',
      '-g',
      w('nope'),
      '-m',
      xa('msg.bin'),
      '-s',
      xa('sig_bsn.bin'),
    );
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('cannot read the group public key file');
    const unknown = await ecdaa('member', 'dance');
    expect(unknown.code).toBe(2);
    const revs = await ecdaa(
      'verify',
      '-g',
      xa('gpk.bin'),
      '-m',
      xa('msg.bin'),
      '-s',
      xa('sig_nobsn.bin'),
      '--sk-revocations',
      xa('msg.bin'),
    );
    expect(revs.code).toBe(2);
    expect(revs.stderr).toContain('not a multiple of 32');
  });
});

describe('ztp ecdaa round trip', () => {
  it('issuer, member, credential, signatures and revocation lists', async () => {
    expect((await ecdaa('issuer', 'genkeys', '-p', w('ipk'), '-s', w('isk'))).code).toBe(0);
    expect(statSync(w('isk')).mode & 0o077).toBe(0);
    expect((await ecdaa('extractgpk', '-p', w('ipk'), '-g', w('gpk'))).code).toBe(0);
    expect(
      (await ecdaa('member', 'genkeys', '-n', 'nonce-1', '-p', w('pk'), '-s', w('sk'))).code,
    ).toBe(0);
    expect(
      (
        await ecdaa(
          'issuer',
          'issuecredential',
          '-p',
          w('pk'),
          '-s',
          w('isk'),
          '-n',
          'nonce-1',
          '-c',
          w('cred'),
          '-r',
          w('credsig'),
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await ecdaa(
          'member',
          'processcredential',
          '-p',
          w('pk'),
          '-g',
          w('gpk'),
          '-c',
          w('cred'),
          '-r',
          w('credsig'),
        )
      ).code,
    ).toBe(0);
    // Another group's key does not accept the credential.
    const other = await ecdaa(
      'member',
      'processcredential',
      '-p',
      w('pk'),
      '-g',
      xa('gpk.bin'),
      '-c',
      w('cred'),
      '-r',
      w('credsig'),
    );
    expect(other.code).toBe(1);
    writeFileSync(w('msg'), 'device hello');
    writeFileSync(w('bsn'), 'xtt.example');
    expect(
      (
        await ecdaa(
          'member',
          'sign',
          '-s',
          w('sk'),
          '-c',
          w('cred'),
          '-m',
          w('msg'),
          '-b',
          w('bsn'),
          '-g',
          w('sig'),
        )
      ).code,
    ).toBe(0);
    const sig = new Uint8Array(readFileSync(w('sig')));
    expect(sig.length).toBe(421);
    const gpk = new Uint8Array(readFileSync(w('gpk')));
    expect(
      verifySignatureBytes(
        sig,
        new TextEncoder().encode('device hello'),
        gpk,
        new TextEncoder().encode('xtt.example'),
      ),
    ).toBe(true);
    const verify = (...extra: string[]) =>
      ecdaa('verify', '-g', w('gpk'), '-m', w('msg'), '-s', w('sig'), '-b', w('bsn'), ...extra);
    expect((await verify()).code).toBe(0);
    // Revocation files: concatenated secret keys / pseudonyms K.
    writeFileSync(
      w('skrev'),
      Buffer.concat([readFileSync(xa('member_sk.bin')), readFileSync(w('sk'))]),
    );
    writeFileSync(w('bsnrev'), sig.subarray(356));
    const skRevoked = await verify('--sk-revocations', w('skrev'));
    expect(skRevoked).toMatchObject({ code: 1, stderr: 'signer secret key is revoked\n' });
    const bsnRevoked = await verify('--bsn-revocations', w('bsnrev'));
    expect(bsnRevoked.code).toBe(1);
    writeFileSync(w('skrev2'), readFileSync(xa('member_sk.bin')));
    expect((await verify('--sk-revocations', w('skrev2'))).code).toBe(0);
  });
});
