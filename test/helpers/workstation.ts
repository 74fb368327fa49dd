import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { createBatch, type NewBatch } from '../../src/engine/batches.ts';
import { Provisioner, type ProvisionOptions } from '../../src/engine/provision.ts';
import { openTpmOps } from '../../src/engine/tpm-adapter.ts';
import { loadWorkstationTrust } from '../../src/engine/trust.ts';
import { Workstation } from '../../src/engine/workstation.ts';
import { setUpWorkstation } from '../../src/engine/facility.ts';
import { Simulator, type SimIdentity } from '../../src/sim/simulator.ts';

/** Cheap scrypt for tests; the real default is checked in the keyring tests. */
export const TEST_KDF = { N: 2 ** 10, r: 8, p: 1 };
export const TEST_PASSPHRASE = 'test passphrase';

/** A fresh workstation in its own folder, with a supervisor `sam` and an operator `olga`. */
export async function newWorkstation(dir = mkdtempSync(path.join(tmpdir(), 'ztp-ws-'))) {
  const ws = Workstation.open(dir);
  await setUpWorkstation(ws, TEST_PASSPHRASE, 'sam', TEST_KDF);
  ws.addOperator('sam', 'olga', 'operator');
  return ws;
}

/** A folder of simulated TPMs owned by the test process (they die with it). */
export function newFixture(identity: SimIdentity = 'unique'): Promise<Simulator> {
  return Simulator.create(mkdtempSync(path.join(tmpdir(), 'ztp-sim-')), { identity });
}

/** Puts the fixture's CA into the workstation's EK trust store (after a first TPM exists). */
export function trustFixture(ws: Workstation, sim: Simulator): string {
  const dir = path.join(ws.dataDir, 'ek-trust');
  mkdirSync(dir, { recursive: true });
  copyFileSync(sim.caCertPath, path.join(dir, 'root.pem'));
  copyFileSync(sim.issuerCertPath, path.join(dir, 'issuer.pem'));
  return dir;
}

export async function newBatch(ws: Workstation, pool: CryptoPool, input: Partial<NewBatch> = {}) {
  return createBatch(ws, pool, 'sam', { name: 'Test batch', ekPolicy: 'require', ...input });
}

/**
 * A provisioning run for operator `olga` on real TPMs (the TPM layer), with the workstation's
 * EK trust store; `extra` overrides any option.
 */
export function newProvisioner(
  ws: Workstation,
  pool: CryptoPool,
  batchId: string,
  extra: Partial<ProvisionOptions> = {},
): Provisioner {
  return new Provisioner(ws, {
    batchId,
    operator: 'olga',
    openTpm: (n) => openTpmOps(n),
    pool,
    trustStore: loadWorkstationTrust(ws),
    ...extra,
  });
}
