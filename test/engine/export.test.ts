import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { closeBatch, setAsideDevice } from '../../src/engine/batches.ts';
import { exportBatch } from '../../src/engine/export.ts';
import type { ProvisionOptions } from '../../src/engine/provision.ts';
import { batchSummary } from '../../src/engine/views.ts';
import { PermissionError, Workstation } from '../../src/engine/workstation.ts';
import { MANIFEST_FILE } from '../../src/manifest/export.ts';
import type { Simulator, SwtpmInstance } from '../../src/sim/simulator.ts';
import { runCli } from '../helpers/run-cli.ts';
import { tempDir } from '../helpers/temp.ts';
import {
  TEST_PASSPHRASE,
  newBatch,
  newFixture,
  newProvisioner,
  newWorkstation,
  trustFixture,
} from '../helpers/workstation.ts';

let pool: CryptoPool;
let sim: Simulator;

beforeAll(async () => {
  pool = new CryptoPool(2);
  sim = await newFixture('unique');
});
afterAll(async () => {
  await sim.stopAll();
  await pool.close();
});

const provisioner = (ws: Workstation, batchId: string, extra: Partial<ProvisionOptions> = {}) =>
  newProvisioner(ws, pool, batchId, extra);

/** Another tool's NV index at the GPK's handle: the workstation refuses the TPM without --force. */
function defineForeignIndex(t: SwtpmInstance): void {
  execFileSync('tpm2_nvdefine', [
    '-T',
    `swtpm:path=${t.socketPath}`,
    '-C',
    'p',
    '-s',
    '8',
    '-a',
    'ppwrite|authread|platformcreate',
    '0x01410000',
  ]);
}

/** The payload of an exported manifest.json. */
function payloadOf(folder: string): Record<string, unknown> & {
  counts: Record<string, number>;
  provisioned: Record<string, unknown>[];
  rejected: Record<string, unknown>[];
} {
  const env = JSON.parse(readFileSync(path.join(folder, MANIFEST_FILE), 'utf8')) as {
    payload: string;
  };
  return JSON.parse(Buffer.from(env.payload, 'base64url').toString('utf8'));
}

describe('batch export from the store', () => {
  it('counts a TPM refused once and then provisioned with --force as provisioned only', async () => {
    const ws = await newWorkstation();
    const tpms = await sim.startMany(3);
    trustFixture(ws, sim);
    for (const t of tpms) defineForeignIndex(t);
    const batch = await newBatch(ws, pool);
    const refused = await provisioner(ws, batch.id).run(tpms.map((t) => t.name));
    expect(refused).toMatchObject({ provisioned: 0, failed: 3 });
    const forced = await provisioner(ws, batch.id, { force: true, operator: 'sam' }).run(
      tpms.map((t) => t.name),
    );
    expect(forced).toMatchObject({ provisioned: 3, failed: 0 });

    // The refusals stay as history, but no longer count.
    expect(ws.store.listDevices(batch.id, 'failed')).toHaveLength(3);
    expect(batchSummary(ws, ws.store.getBatch(batch.id)!).counts).toMatchObject({
      provisioned: 3,
      failed: 0,
    });
    closeBatch(ws, 'sam', batch.id);
    const folder = path.join(tempDir(), 'export');
    const result = await exportBatch(ws, 'sam', batch.id, folder);
    expect(result.verification.ok).toBe(true);
    expect(result.summary.counts).toEqual({
      provisioned: 3,
      rejected: 0,
      failed: 0,
      setAside: 0,
      rolledBack: 0,
    });
    const payload = payloadOf(folder);
    expect(payload.provisioned).toHaveLength(3);
    expect(payload.provisioned.map((d) => d.ekCertificateCheck)).toEqual(
      Array(3).fill({ result: 'trusted', policy: 'require' }),
    );
    expect(payload.rejected).toEqual([]);
    await Promise.all(tpms.map((t) => t.stop()));
    ws.close();
  });

  it('sets aside a device whose TPM was lost mid-device, and one that failed; the batch closes and the manifest lists both with the reason', async () => {
    let ws = await newWorkstation();
    const [lost, refused, good] = await sim.startMany(3);
    trustFixture(ws, sim);
    defineForeignIndex(refused!);
    const batch = await newBatch(ws, pool);
    const dataDir = ws.dataDir;
    ws.close();
    // A power cut mid-device leaves its record in progress; then the TPM is lost for good.
    const env = { ZTP_DATA_DIR: dataDir, ZTP_PASSPHRASE: TEST_PASSPHRASE };
    const args = ['provision', '--batch', batch.id, '--operator', 'olga', '--tpm', lost!.name];
    const crashed = await runCli(args, { env: { ...env, ZTP_FAULT_AFTER_JOURNAL: '4' } });
    expect(crashed.code, crashed.stderr).toBe(128);
    await lost!.stop();

    ws = Workstation.open(dataDir);
    await ws.unlock(TEST_PASSPHRASE);
    const run = await provisioner(ws, batch.id).run([refused!.name, good!.name]);
    expect(run).toMatchObject({ provisioned: 1, failed: 1 });
    const [inProgress] = ws.store.listInProgress();
    const failed = ws.store.listDevices(batch.id, 'failed')[0]!;
    expect(inProgress?.batchId).toBe(batch.id);
    expect(() => closeBatch(ws, 'sam', batch.id)).toThrow(/in progress.*set it aside/);

    // Only a supervisor, only with a reason, only for a device in progress or failed.
    expect(() => setAsideDevice(ws, 'olga', inProgress!.deviceId, 'gone')).toThrow(PermissionError);
    expect(() => setAsideDevice(ws, 'sam', inProgress!.deviceId, '  ')).toThrow(/reason/);
    const provisioned = ws.store.listDevices(batch.id, 'provisioned')[0]!;
    expect(() => setAsideDevice(ws, 'sam', provisioned.deviceId, 'x')).toThrow(/is provisioned/);
    ws.close();
    const cli = await runCli(
      [
        'device',
        'set-aside',
        inProgress!.deviceId.slice(0, 16),
        '--reason',
        'TPM cracked when the fixture jammed',
        '--operator',
        'sam',
      ],
      { env },
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/set aside in batch/);

    ws = Workstation.open(dataDir);
    await ws.unlock(TEST_PASSPHRASE);
    setAsideDevice(ws, 'sam', failed.deviceId, 'foreign NV index: back to the vendor');
    expect(batchSummary(ws, ws.store.getBatch(batch.id)!).counts).toMatchObject({
      provisioned: 1,
      failed: 0,
      in_progress: 0,
      set_aside: 2,
    });
    const audit = ws.store
      .listAudit({ batchId: batch.id })
      .filter((e) => e.action === 'device.set-aside');
    expect(audit.map((e) => [e.actor, e.deviceId, JSON.parse(e.details).reason])).toEqual([
      ['sam', inProgress!.deviceId, 'TPM cracked when the fixture jammed'],
      ['sam', failed.deviceId, 'foreign NV index: back to the vendor'],
    ]);
    expect(() => setAsideDevice(ws, 'sam', failed.deviceId, 'again')).toThrow(/is set aside/);

    closeBatch(ws, 'sam', batch.id);
    const folder = path.join(tempDir(), 'export');
    const result = await exportBatch(ws, 'sam', batch.id, folder);
    expect(result.verification.ok).toBe(true);
    expect(result.summary.counts).toMatchObject({ provisioned: 1, rejected: 2, setAside: 2 });
    const payload = payloadOf(folder);
    expect(payload.rejected).toEqual([
      expect.objectContaining({
        deviceId: inProgress!.deviceId,
        outcome: 'set-aside',
        reason: expect.stringMatching(/^TPM cracked when the fixture jammed \(left in progress/),
        operator: 'sam',
      }),
      expect.objectContaining({
        deviceId: failed.deviceId,
        outcome: 'set-aside',
        step: 'key',
        reason: expect.stringMatching(/^foreign NV index: back to the vendor \(it had failed: /),
        operator: 'sam',
      }),
    ]);
    await Promise.all([refused!.stop(), good!.stop()]);
    ws.close();
  });

  it('a failed export removes what it wrote and records the failure in the audit trail', async () => {
    const ws = await newWorkstation();
    const [t] = await sim.startMany(1);
    trustFixture(ws, sim);
    const batch = await newBatch(ws, pool);
    expect((await provisioner(ws, batch.id).run([t!.name])).provisioned).toBe(1);
    closeBatch(ws, 'sam', batch.id);
    // A record damaged in the store: it is signed like the others, but cannot verify.
    const row = ws.store.listDevices(batch.id, 'provisioned')[0]!;
    const signature = new Uint8Array(row.selftestSignature!);
    signature[40]! ^= 1;
    ws.store.updateDevice(row.rowId, { selftestSignature: signature });

    const drive = tempDir();
    const folder = path.join(drive, 'ztp-batch');
    await expect(exportBatch(ws, 'sam', batch.id, folder, { pool })).rejects.toThrow(
      /does not verify/,
    );
    expect(readdirSync(drive)).toEqual([]);
    const trail = ws.store.listAudit({ batchId: batch.id }).slice(-2);
    expect(trail.map((e) => e.action)).toEqual(['batch.export-started', 'batch.export-failed']);
    expect(JSON.parse(trail[1]!.details)).toMatchObject({
      folder,
      error: expect.stringMatching(/does not verify/),
    });
    expect(ws.store.getBatch(batch.id)!.status).toBe('closed');
    expect(ws.store.verifyAuditChain().ok).toBe(true);
    await t!.stop();
    ws.close();
  });

  it('shows an untrusted EK certificate under policy warn: provision output, device show, manifest', async () => {
    let ws = await newWorkstation();
    const [t] = await sim.startMany(1);
    // No vendor CA in the trust store: the EK certificate cannot be trusted.
    const batch = await newBatch(ws, pool, { ekPolicy: 'warn' });
    const dataDir = ws.dataDir;
    ws.close();
    const env = { ZTP_DATA_DIR: dataDir, ZTP_PASSPHRASE: TEST_PASSPHRASE };
    const run = await runCli(
      ['provision', '--batch', batch.id, '--operator', 'olga', '--tpm', t!.name],
      { env },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /warning: slot 0: [0-9a-f]{16} provisioned with an untrusted EK certificate \(the EK certificate's issuer .* is not in the trust store; policy warn\)/,
    );
    ws = Workstation.open(dataDir);
    const row = ws.store.listDevices(batch.id, 'provisioned')[0]!;
    ws.close();
    const show = await runCli(['device', 'show', row.deviceId], { env });
    expect(show.stdout).toMatch(
      /EK cert: +NOT TRUSTED: the EK certificate's issuer .* \(policy warn\)/,
    );

    ws = Workstation.open(dataDir);
    await ws.unlock(TEST_PASSPHRASE);
    closeBatch(ws, 'sam', batch.id);
    const folder = path.join(tempDir(), 'export');
    expect((await exportBatch(ws, 'sam', batch.id, folder)).verification.ok).toBe(true);
    expect(payloadOf(folder).provisioned[0]!.ekCertificateCheck).toEqual({
      result: 'untrusted',
      policy: 'warn',
      reason: expect.stringMatching(/is not in the trust store/),
    });
    await t!.stop();
    ws.close();
  });
});
