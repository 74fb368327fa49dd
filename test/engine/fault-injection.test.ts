import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { verifyCredentialBytes } from '../../src/crypto/ecdaa.ts';
import { PROFILES } from '../../src/engine/profiles.ts';
import { openTpmOps } from '../../src/engine/tpm-adapter.ts';
import type { Simulator } from '../../src/sim/simulator.ts';
import { runCli } from '../helpers/run-cli.ts';
import {
  TEST_PASSPHRASE,
  newBatch,
  newFixture,
  newWorkstation,
  trustFixture,
} from '../helpers/workstation.ts';

/**
 * Power cuts at every point: the provisioning process kills itself (SIGKILL) right after its
 * N-th journal write, for many N across the whole flow of two TPMs in parallel; the next run
 * must end with every device provisioned exactly once and every TPM consistent.
 */

const XTT = PROFILES['xtt-platform']!;
let pool: CryptoPool;
let sim: Simulator;
let pristine: string[];

beforeAll(async () => {
  pool = new CryptoPool(1);
  sim = await newFixture('unique');
  // Two distinct chips, manufactured once; each run starts from copies of their new state.
  const made = await sim.startMany(2);
  await Promise.all(made.map((t) => t.stop()));
  pristine = made.map((t) => t.dir);
});
afterAll(async () => {
  await sim.stopAll();
  await pool.close();
});

// Two devices write 13 journal entries each; cut anywhere in 1…26 (and once past the end).
const CUTS = [1, 2, 3, 5, 7, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 40];

describe('fault injection: the provisioning process is killed at random steps', () => {
  it.each(CUTS)(
    'killed after journal write %i, the next run resumes to exactly-once',
    async (cut) => {
      const ws = await newWorkstation();
      trustFixture(ws, sim);
      const batch = await newBatch(ws, pool);
      const dataDir = ws.dataDir;
      ws.close();

      const runDir = mkdtempSync(path.join(tmpdir(), 'ztp-fault-'));
      const tpms = [];
      for (const [i, dir] of pristine.entries()) {
        const copy = path.join(runDir, `tpm-${i}`);
        cpSync(path.join(dir, 'state'), path.join(copy, 'state'), { recursive: true });
        tpms.push(await sim.startOn(copy));
      }
      const args = ['provision', '--batch', batch.id, '--operator', 'olga', '--json'];
      for (const t of tpms) args.push('--tpm', t.name);
      const env = { ZTP_DATA_DIR: dataDir, ZTP_PASSPHRASE: TEST_PASSPHRASE };

      const crashed = await runCli(args, { env: { ...env, ZTP_FAULT_AFTER_JOURNAL: String(cut) } });
      if (cut <= 26) expect(crashed.code, crashed.stderr).toBe(128);

      const resumed = await runCli(args, { env });
      expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);

      const check = await newWorkstationView(dataDir);
      const rows = check.store.listDevices(batch.id);
      // Interrupted devices were resumed in their own record: nothing counted twice or lost.
      expect(rows.map((r) => r.status).sort()).toEqual(['provisioned', 'provisioned']);
      if (cut <= 26) {
        const resumedRecords = rows.filter((r) =>
          check.store
            .journal(r.rowId)
            .some((j) => j.step === 'identify' && j.data.includes('"resumed":true')),
        );
        expect(resumedRecords.length).toBeGreaterThan(0);
      }
      const provisioned = rows.filter((r) => r.status === 'provisioned');
      expect(provisioned).toHaveLength(2);
      expect(new Set(provisioned.map((r) => r.deviceId)).size).toBe(2);
      for (const t of tpms) {
        const ops = await openTpmOps(t.name);
        const { deviceId } = await ops.identify();
        const row = provisioned.find((r) => r.deviceId === deviceId)!;
        expect(row, `TPM ${t.name} has no provisioned record`).toBeDefined();
        expect(
          Buffer.from(await ops.nvRead(XTT.nv.credential)).equals(Buffer.from(row.credential!)),
        ).toBe(true);
        expect(Buffer.from(await ops.nvRead(XTT.nv.gpk)).equals(Buffer.from(batch.gpk))).toBe(true);
        const q = await ops.readPersistentKey(XTT.keyHandle);
        expect(Buffer.from(q!).equals(Buffer.from(row.memberPk!.subarray(0, 65)))).toBe(true);
        expect(
          verifyCredentialBytes(
            row.credential!,
            row.credentialSignature!,
            row.memberPk!,
            batch.gpk,
          ),
        ).toBe(true);
        await ops.close();
      }
      expect(check.store.verifyAuditChain().ok).toBe(true);
      check.close();
      await Promise.all(tpms.map((t) => t.stop()));
    },
  );
});

async function newWorkstationView(dataDir: string) {
  const { Workstation } = await import('../../src/engine/workstation.ts');
  return Workstation.open(dataDir);
}
