import { copyFile, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CryptoPool } from '../crypto/pool.ts';
import { Simulator } from '../sim/simulator.ts';
import { closeBatch, createBatch } from './batches.ts';
import { exportBatchTo, type BatchExportReport } from './export.ts';
import { setUpWorkstation } from './facility.ts';
import type { ProvisionEvent } from './events.ts';
import { Provisioner, type RunSummary } from './provision.ts';
import { openTpmOps } from './tpm-adapter.ts';
import { loadTrustStore } from './ek-policy.ts';
import type { TpmIdentity } from './tpm-ops.ts';
import { Workstation } from './workstation.ts';
import type { BatchRow } from '../store/store.ts';

/**
 * The demo: the whole job on simulated TPMs, as the README's main command. A fresh
 * workstation in OUT/workstation, K simulated slots, N devices in rounds of K (after each
 * round every slot gets a fresh TPM, as an operator loads the next tray), then every
 * artefact in Xaptum's file formats in OUT.
 */

export interface DemoOptions {
  devices: number;
  slots: number;
  out: string;
  onEvent?: (e: ProvisionEvent) => void;
  onMessage?: (line: string) => void;
}

export interface DemoResult {
  out: string;
  dataDir: string;
  batchId: string;
  provisioned: number;
  failed: number;
  skipped: number;
  /** Time in provisioning rounds only (not manufacturing the simulated TPMs). */
  provisioningMs: number;
  devicesPerSecond: number;
  rounds: RunSummary[];
  /** Per device: total time and time waiting for the TPM. */
  perDevice: { deviceId: string; elapsedMs: number; tpmMs: number }[];
  /** The export into OUT: manifest.json, facility-key.pem, labels/, read back and verified. */
  export: BatchExportReport;
}

export const DEMO_PASSPHRASE = 'demo workstation passphrase';
export const DEMO_SUPERVISOR = 'demo-supervisor';
export const DEMO_OPERATOR = 'demo-operator';
const MARKER = '.ztp-demo-output';

/** Refuses to wipe a folder that is not an earlier demo's output. */
async function prepareOut(out: string): Promise<void> {
  if (existsSync(out)) {
    const entries = await readdir(out);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(
        `${out} exists and is not an earlier demo's output: choose another folder with --out.`,
      );
    }
    await rm(out, { recursive: true, force: true });
  }
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, MARKER), 'written by ztp demo; removed by the next run\n');
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const say = options.onMessage ?? (() => undefined);
  const out = path.resolve(options.out);
  await prepareOut(out);
  const dataDir = path.join(out, 'workstation');
  const ws = Workstation.open(dataDir);
  const pool = new CryptoPool();
  const sim = await Simulator.create(path.join(out, 'sim'), { identity: 'unique' });
  try {
    await setUpWorkstation(ws, DEMO_PASSPHRASE, DEMO_SUPERVISOR);
    ws.addOperator(DEMO_SUPERVISOR, DEMO_OPERATOR, 'operator');
    const batch = await createBatch(ws, pool, DEMO_SUPERVISOR, {
      name: 'Demo batch',
      product: 'XTT demo device',
      ekPolicy: 'require',
      targetCount: options.devices,
    });
    say(`Batch ${batch.id} created; GPK in ${path.join(out, 'gpk.bin')}`);

    const rounds: RunSummary[] = [];
    let provisioningMs = 0;
    let remaining = options.devices;
    let trustReady = false;
    for (let round = 1; remaining > 0; round++) {
      const count = Math.min(options.slots, remaining);
      say(`Round ${round}: loading ${count} fresh simulated TPM(s)…`);
      const tpms = await sim.startMany(count);
      if (!trustReady) {
        // The simulated fixture's local CA stands in for the TPM vendors' CAs.
        const trustDir = path.join(dataDir, 'ek-trust');
        await mkdir(trustDir, { recursive: true });
        await copyFile(sim.caCertPath, path.join(trustDir, 'sim-root-ca.pem'));
        await copyFile(sim.issuerCertPath, path.join(trustDir, 'sim-issuing-ca.pem'));
        trustReady = true;
      }
      const provisioner = new Provisioner(ws, {
        batchId: batch.id,
        operator: DEMO_OPERATOR,
        openTpm: (name) => openTpmOps(name),
        pool,
        trustStore: loadTrustStore(path.join(dataDir, 'ek-trust')),
        slotNames: tpms.map((_, i) => String(i)),
      });
      if (options.onEvent) provisioner.on('event', options.onEvent);
      const summary = await provisioner.run(tpms.map((t) => t.name));
      rounds.push(summary);
      provisioningMs += summary.elapsedMs;
      // The tray comes out: keep each TPM's state so anyone can start swtpm on it.
      await Promise.all(tpms.map((t) => t.stop()));
      for (const [i, t] of tpms.entries()) {
        const device = summary.devices.find((d) => d.tpmName === t.name);
        const id = device?.deviceId || `unidentified-${round}-${i}`;
        await cp(t.stateDir, path.join(out, 'tpm-state', id), { recursive: true });
      }
      remaining -= count;
    }
    await writeArtefacts(ws, ws.store.getBatch(batch.id)!, out);
    closeBatch(ws, DEMO_SUPERVISOR, batch.id);
    say('Batch closed; exporting the signed manifest and the labels…');
    const exported = await exportBatchTo(ws, DEMO_SUPERVISOR, batch.id, out, {
      labels: true,
      pool,
    });
    const all = rounds.flatMap((r) => r.devices);
    const provisioned = all.filter((d) => d.status === 'provisioned').length;
    return {
      out,
      dataDir,
      batchId: batch.id,
      provisioned,
      failed: all.length - provisioned,
      skipped: rounds.reduce((n, r) => n + r.skipped, 0),
      provisioningMs,
      devicesPerSecond: provisioned / (provisioningMs / 1000),
      rounds,
      perDevice: all.map((d) => ({ deviceId: d.deviceId, elapsedMs: d.elapsedMs, tpmMs: d.tpmMs })),
      export: exported,
    };
  } finally {
    await sim.stopAll();
    await pool.close();
    ws.close();
  }
}

/** OUT/ipk.bin, gpk.bin, basename.bin and devices/<id>/… in Xaptum's formats. */
export async function writeArtefacts(ws: Workstation, batch: BatchRow, out: string): Promise<void> {
  await writeFile(path.join(out, 'ipk.bin'), batch.ipk);
  await writeFile(path.join(out, 'gpk.bin'), batch.gpk);
  await writeFile(path.join(out, 'basename.bin'), batch.basename);
  for (const d of ws.store.iterateDevices(batch.id, 'provisioned')) {
    const dir = path.join(out, 'devices', d.deviceId);
    await mkdir(dir, { recursive: true });
    const identity = JSON.parse(d.identity) as TpmIdentity;
    const files: [string, Uint8Array | string | null][] = [
      ['member_pk.bin', d.memberPk],
      ['nonce.bin', d.nonce],
      ['cred.bin', d.credential],
      ['cred_sig.bin', d.credentialSignature],
      ['selftest.msg', d.selftestMessage],
      ['selftest.sig', d.selftestSignature],
      ['ek.pem', identity.ek.publicKeyPem],
    ];
    if (identity.ek.certificatePem) files.push(['ek-cert.pem', identity.ek.certificatePem]);
    for (const [name, data] of files) {
      if (data !== null) await writeFile(path.join(dir, name), data);
    }
  }
}
