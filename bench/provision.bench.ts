/**
 * The provisioning engine per device on swtpm, side by side in one run (`npm run bench provision`):
 *   - 1, 4 and 16 slots in parallel: devices/s, per-device TPM time (sum of command round
 *     trips) and host CPU (this process, main thread and crypto workers; swtpm excluded);
 *   - the same TPM steps for one device driven by tpm2-tools, one process per command.
 * Aims: host CPU ≤ 60 ms per device; ≥ 15 devices/s with 16 simulated slots (2 cores).
 * Each configuration gets a fresh workstation and fresh copies of pre-made TPM states, so
 * manufacturing the simulated chips (swtpm_setup) is not timed.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { CryptoPool } from '../src/crypto/pool.ts';
import { Provisioner } from '../src/engine/provision.ts';
import { openTpmOps } from '../src/engine/tpm-adapter.ts';
import { loadWorkstationTrust } from '../src/engine/trust.ts';
import type { SwtpmInstance } from '../src/sim/simulator.ts';
import { newBatch, newFixture, newWorkstation, trustFixture } from '../test/helpers/workstation.ts';

const MAX_SLOTS = 16;
const CONFIGS = [
  { slots: 1, devices: 4 },
  { slots: 4, devices: 8 },
  { slots: 16, devices: 16 },
];

const sim = await newFixture('unique');
console.log(`manufacturing ${MAX_SLOTS} simulated TPMs (not timed)…`);
const made = await sim.startMany(MAX_SLOTS);
await Promise.all(made.map((t) => t.stop()));
const pristine = made.map((t) => t.dir);
const pool = new CryptoPool(availableParallelism());
const work = mkdtempSync(path.join(tmpdir(), 'ztp-bench-'));

interface Row {
  slots: number;
  devices: number;
  perSecond: number;
  tpmMs: number;
  cpuMs: number;
  elapsedMs: number;
}
const rows: Row[] = [];
try {
  for (const { slots, devices } of CONFIGS) {
    const ws = await newWorkstation();
    trustFixture(ws, sim);
    const batch = await newBatch(ws, pool);
    // Warm every worker so thread start-up is not counted.
    await Promise.all(
      Array.from({ length: pool.size }, () => pool.verifyIssuerPublicKey(batch.ipk)),
    );
    let wall = 0;
    let cpu = 0;
    let tpm = 0;
    let elapsed = 0;
    let done = 0;
    for (let first = 0; first < devices; first += slots) {
      const tpms: SwtpmInstance[] = [];
      for (let i = first; i < Math.min(first + slots, devices); i++) {
        const dir = path.join(work, `${slots}-${i}`);
        cpSync(path.join(pristine[i % MAX_SLOTS]!, 'state'), path.join(dir, 'state'), {
          recursive: true,
        });
        tpms.push(await sim.startOn(dir));
      }
      const p = new Provisioner(ws, {
        batchId: batch.id,
        operator: 'olga',
        openTpm: (n) => openTpmOps(n),
        pool,
        trustStore: loadWorkstationTrust(ws),
      });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const summary = await p.run(tpms.map((t) => t.name));
      wall += performance.now() - t0;
      const c = process.cpuUsage(cpu0);
      cpu += (c.user + c.system) / 1000;
      if (summary.failed > 0)
        throw new Error(JSON.stringify(summary.devices.map((d) => d.failure)));
      for (const d of summary.devices) {
        tpm += d.tpmMs;
        elapsed += d.elapsedMs;
      }
      done += summary.provisioned;
      await Promise.all(tpms.map((t) => t.stop()));
    }
    rows.push({
      slots,
      devices: done,
      perSecond: done / (wall / 1000),
      tpmMs: tpm / done,
      cpuMs: cpu / done,
      elapsedMs: elapsed / done,
    });
    ws.close();
  }

  // The same TPM steps by tpm2-tools, one process per command (BN_P256 cannot be named by
  // tpm2-tools: its ECDAA key is on NIST P-256, which costs the TPM the same or less).
  const dir = path.join(work, 'tools');
  cpSync(path.join(pristine[0]!, 'state'), path.join(dir, 'state'), { recursive: true });
  const t = await sim.startOn(dir);
  const T = ['-T', `swtpm:path=${t.socketPath}`];
  const ctx = (n: string) => path.join(dir, n);
  const data = ctx('data.bin');
  execFileSync('dd', ['if=/dev/urandom', `of=${data}`, 'bs=260', 'count=1'], { stdio: 'ignore' });
  // No resource manager on swtpm: tpm2-tools leaves loaded contexts, so flush after each.
  const flush = ['tpm2_flushcontext', ...T, '-t'];
  const steps: string[][] = [
    ['tpm2_getcap', ...T, 'properties-fixed'],
    ['tpm2_readpublic', ...T, '-c', '0x81010001'],
    ['tpm2_nvread', ...T, '-C', 'o', '0x01c00002', '-o', ctx('ek.der')],
    [
      'tpm2_createprimary',
      ...T,
      '-C',
      'p',
      '-g',
      'sha256',
      '-G',
      'ecc256:null:aes128cfb',
      '-c',
      ctx('primary.ctx'),
    ],
    flush,
    [
      'tpm2_create',
      ...T,
      '-C',
      ctx('primary.ctx'),
      '-G',
      'ecc256:ecdaa-sha256',
      '-u',
      ctx('k.pub'),
      '-r',
      ctx('k.priv'),
    ],
    flush,
    [
      'tpm2_load',
      ...T,
      '-C',
      ctx('primary.ctx'),
      '-u',
      ctx('k.pub'),
      '-r',
      ctx('k.priv'),
      '-c',
      ctx('k.ctx'),
    ],
    flush,
    ['tpm2_evictcontrol', ...T, '-C', 'p', '-c', ctx('k.ctx'), '0x81800000'],
    flush,
    ['tpm2_commit', ...T, '-c', '0x81800000', '-u', ctx('E.bin'), '-t', ctx('counter.bin')],
    ['tpm2_commit', ...T, '-c', '0x81800000', '-u', ctx('E2.bin'), '-t', ctx('counter2.bin')],
  ];
  for (const [i, index] of ['0x01410000', '0x01410001', '0x01410002', '0x01410007'].entries()) {
    steps.push([
      'tpm2_nvdefine',
      ...T,
      '-C',
      'p',
      '-s',
      '260',
      '-a',
      'ppwrite|authread|platformcreate|no_da',
      index,
    ]);
    steps.push(['tpm2_nvwrite', ...T, '-C', 'p', '-i', data, index]);
    steps.push(['tpm2_nvread', ...T, '-C', index, index, '-o', ctx(`r${i}.bin`)]);
  }
  const t0 = performance.now();
  for (const s of steps) execFileSync(s[0]!, s.slice(1), { stdio: 'ignore' });
  const toolsMs = performance.now() - t0;
  await t.stop();

  console.log('\nslots  devices  devices/s  TPM ms/device  host CPU ms/device  elapsed ms/device');
  for (const r of rows) {
    console.log(
      `${String(r.slots).padStart(5)}  ${String(r.devices).padStart(7)}  ${r.perSecond.toFixed(1).padStart(9)}  ` +
        `${r.tpmMs.toFixed(1).padStart(13)}  ${r.cpuMs.toFixed(1).padStart(18)}  ${r.elapsedMs.toFixed(0).padStart(17)}`,
    );
  }
  const one = rows[0]!;
  console.log(`\nhost overhead (1 slot): ${(one.elapsedMs / one.tpmMs).toFixed(2)}× the TPM time`);
  console.log(
    `tpm2-tools, ${steps.length} commands, one process each (no join or self-test crypto): ${toolsMs.toFixed(0)} ms per device`,
  );
  console.log(
    `ratio tpm2-tools / ztp engine (1 slot, whole device): ${(toolsMs / one.elapsedMs).toFixed(1)}×`,
  );
  const sixteen = rows.find((r) => r.slots === 16)!;
  console.log(
    `aims: host CPU ${sixteen.cpuMs.toFixed(0)} ms/device (≤ 60), ${sixteen.perSecond.toFixed(1)} devices/s with 16 slots (≥ 15)`,
  );
} finally {
  await sim.stopAll();
  await pool.close();
  rmSync(work, { recursive: true, force: true });
}
