import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { closeBatch } from '../../src/engine/batches.ts';
import { exportBatch } from '../../src/engine/export.ts';
import { Provisioner, type ProvisionOptions } from '../../src/engine/provision.ts';
import { openTpmOps } from '../../src/engine/tpm-adapter.ts';
import { loadWorkstationTrust } from '../../src/engine/trust.ts';
import { batchSummary } from '../../src/engine/views.ts';
import type { Workstation } from '../../src/engine/workstation.ts';
import { MANIFEST_FILE } from '../../src/manifest/export.ts';
import type { Simulator, SwtpmInstance } from '../../src/sim/simulator.ts';
import { tempDir } from '../helpers/temp.ts';
import { newBatch, newFixture, newWorkstation, trustFixture } from '../helpers/workstation.ts';

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

function provisioner(ws: Workstation, batchId: string, extra: Partial<ProvisionOptions> = {}) {
  return new Provisioner(ws, {
    batchId,
    operator: 'olga',
    openTpm: (n) => openTpmOps(n),
    pool,
    trustStore: loadWorkstationTrust(ws),
    ...extra,
  });
}

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
    expect(payload.rejected).toEqual([]);
    await Promise.all(tpms.map((t) => t.stop()));
    ws.close();
  });
});
