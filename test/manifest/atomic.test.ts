import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { AtomicFileWriter, writeFileAtomic } from '../../src/manifest/atomic.ts';
import { writeExport } from '../../src/manifest/export.ts';
import type { ProvisionedDevice } from '../../src/manifest/types.ts';
import { manifestInput, realDevices, testSigner } from './fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ztp-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('atomic files', () => {
  it('leaves the previous file whole until the new one is committed', async () => {
    const file = path.join(dir, 'a.txt');
    await writeFileAtomic(file, 'old');
    const w = await AtomicFileWriter.create(file);
    await w.write('new content, half written');
    expect(await readFile(file, 'utf8')).toBe('old');
    await w.abort();
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['a.txt']);
    const w2 = await AtomicFileWriter.create(file);
    await w2.write('new');
    const { bytes } = await w2.commit();
    expect(bytes).toBe(3);
    expect(await readFile(file, 'utf8')).toBe('new');
  });

  it('an export that fails midway leaves no manifest and no temporary file', async () => {
    const signer = testSigner(6);
    const folder = path.join(dir, 'export');
    const good = realDevices(1)[0]!;
    async function* devices() {
      yield good;
      yield { ...good, deviceId: 'TPM-BAD', memberPublicKey: new Uint8Array(3) };
    }
    await expect(
      writeExport(folder, manifestInput(devices(), signer.thumbprint), { signer }),
    ).rejects.toThrow(/device TPM-BAD, memberPublicKey: is 3 bytes/);
    // The folder the export made is gone again.
    expect(await readdir(dir)).not.toContain('export');
  });

  it('an export whose manifest does not verify on the target removes every file it wrote', async () => {
    const signer = testSigner(6);
    const folder = path.join(dir, 'drive', 'ztp-batch-x');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'notes.txt'), 'the operator’s own file');
    const [good, other] = realDevices(2) as [ProvisionedDevice, ProvisionedDevice];
    // Signed like any other record, but its self-test signature is not the TPM's.
    const signature = new Uint8Array(other.selfTest.signature);
    signature[40]! ^= 1;
    const devices = [good, { ...other, selfTest: { ...other.selfTest, signature } }];
    const pool = new CryptoPool(1);
    try {
      await expect(
        writeExport(folder, manifestInput(devices, signer.thumbprint), {
          signer,
          labels: [{ name: 'batch.zpl', bytes: new TextEncoder().encode('^XA^XZ') }],
          verifyEcdaa: pool,
        }),
      ).rejects.toThrow(/does not verify .*do not ship it/);
    } finally {
      await pool.close();
    }
    expect(await readdir(folder)).toEqual(['notes.txt']);
  });
});
