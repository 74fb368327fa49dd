/**
 * An independent client agrees: what this layer writes, tpm2-tools reads back (tpm2_nvread,
 * tpm2_readpublic), and what tpm2-tools writes, this layer reads.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TPM_ALG, TPM_RH, TPMA_NV } from '../../src/tpm/constants.ts';
import { toHex, marshal } from '../../src/tpm/marshal.ts';
import { ecdaaKeyTemplate, storagePrimaryEcc } from '../../src/tpm/templates.ts';
import { TPM2BPublic } from '../../src/tpm/types/public.ts';
import { tempDir, useSwtpm } from '../helpers/swtpm.ts';

const run = promisify(execFile);
const fx = useSwtpm(1);

/** Runs a tpm2-tools command against the fixture's swtpm (our own connection closed first). */
async function tool(cmd: string, ...args: string[]): Promise<string> {
  await fx.tpms[0]!.transport.close(); // swtpm serves one connection at a time
  const tcti = `swtpm:path=${fx.instances[0]!.socketPath}`;
  const { stdout } = await run(cmd, ['-T', tcti, ...args], { timeout: 20_000 });
  return stdout;
}

describe('tpm2-tools reads what this layer wrote', () => {
  it('tpm2_nvread returns the bytes NV_Write put in a 1500-byte platform index', async () => {
    const t = fx.tpms[0]!;
    const index = 0x01410007;
    const data = crypto.randomBytes(1500);
    await t.NV_DefineSpace(TPM_RH.PLATFORM, {
      nvIndex: index,
      nameAlg: TPM_ALG.SHA256,
      attributes: TPMA_NV.PPWRITE | TPMA_NV.AUTHREAD | TPMA_NV.PLATFORMCREATE | TPMA_NV.NO_DA,
      authPolicy: new Uint8Array(),
      dataSize: data.length,
    });
    try {
      await t.NV_Write(TPM_RH.PLATFORM, index, data);
      const out = path.join(tempDir('ztp-tools-'), 'nv.bin');
      await tool('tpm2_nvread', '-C', '0x01410007', '-o', out, '0x01410007');
      expect(readFileSync(out)).toEqual(data);
    } finally {
      await t.NV_UndefineSpace(TPM_RH.PLATFORM, index);
    }
  });

  it('tpm2_readpublic returns the public area and name of the persisted ECDAA key', async () => {
    const t = fx.tpms[0]!;
    const parent = await t.CreatePrimary(TPM_RH.PLATFORM, storagePrimaryEcc());
    const key = await t.Create(parent.objectHandle, ecdaaKeyTemplate());
    const loaded = await t.Load(parent.objectHandle, key.outPrivate, key.outPublic);
    await t.EvictControl(TPM_RH.PLATFORM, loaded.objectHandle, 0x81800000);
    await t.FlushContext(loaded.objectHandle);
    await t.FlushContext(parent.objectHandle);
    try {
      const dir = tempDir('ztp-tools-');
      await tool(
        'tpm2_readpublic',
        '-c',
        '0x81800000',
        '-o',
        path.join(dir, 'pub'),
        '-n',
        path.join(dir, 'name'),
      );
      expect(toHex(readFileSync(path.join(dir, 'pub')))).toBe(
        toHex(marshal(TPM2BPublic, key.outPublic)),
      );
      expect(toHex(readFileSync(path.join(dir, 'name')))).toBe(toHex(loaded.name));
    } finally {
      await t.EvictControl(TPM_RH.PLATFORM, 0x81800000, 0x81800000);
    }
  });
});

describe('this layer reads what tpm2-tools wrote', () => {
  it('NV_Read returns what tpm2_nvwrite wrote to an index tpm2_nvdefine made', async () => {
    const dir = tempDir('ztp-tools-');
    const data = crypto.randomBytes(900);
    writeFileSync(path.join(dir, 'in.bin'), data);
    await tool(
      'tpm2_nvdefine',
      '-C',
      'p',
      '-s',
      '900',
      '-a',
      'ppwrite|authread|platformcreate',
      '0x01410009',
    );
    await tool('tpm2_nvwrite', '-C', 'p', '-i', path.join(dir, 'in.bin'), '0x01410009');
    const t = fx.tpms[0]!;
    try {
      const { nvPublic } = await t.NV_ReadPublic(0x01410009);
      expect(nvPublic).toMatchObject({ dataSize: 900, nameAlg: TPM_ALG.SHA256 });
      expect(Buffer.from(await t.NV_Read(0x01410009, 0x01410009, 900))).toEqual(data);
    } finally {
      await t.NV_UndefineSpace(TPM_RH.PLATFORM, 0x01410009);
    }
  });

  it('ReadPublic returns the key tpm2_createprimary and tpm2_evictcontrol persisted', async () => {
    const dir = tempDir('ztp-tools-');
    await tool(
      'tpm2_createprimary',
      '-C',
      'p',
      '-G',
      'ecc256',
      '-c',
      path.join(dir, 'primary.ctx'),
    );
    await tool('tpm2_evictcontrol', '-C', 'p', '-c', path.join(dir, 'primary.ctx'), '0x81800001');
    await tool('tpm2_readpublic', '-c', '0x81800001', '-o', path.join(dir, 'pub'));
    const t = fx.tpms[0]!;
    try {
      const { outPublic } = await t.ReadPublic(0x81800001);
      expect(outPublic).toMatchObject({ type: TPM_ALG.ECC, parameters: { curveID: 0x0003 } });
      expect(toHex(marshal(TPM2BPublic, outPublic))).toBe(
        toHex(readFileSync(path.join(dir, 'pub'))),
      );
    } finally {
      await t.EvictControl(TPM_RH.PLATFORM, 0x81800001, 0x81800001);
    }
  });
});
