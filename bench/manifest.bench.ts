// Manifest export and verification at 1k, 10k and 100k devices: wall time and peak memory,
// side by side with ratios. Synthetic copies of a real record fill the large batches (unique
// ids, nonces and keys), so those runs check the signature, schema, canonical form, counts,
// duplicates and Merkle root but not pairings; the ECDAA rate is measured on real devices
// and extrapolated. Peak memory staying flat while the batch grows 100× shows streaming.
// Then the real store path: a SQLite store holding N copies of a device that swtpm
// provisioned, exported through src/engine/export.ts and verified, each in its own process
// (bench/manifest-store.ts) so its peak RSS is its own.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../src/engine/demo.ts';
import { CryptoPool } from '../src/crypto/pool.ts';
import { writeExport } from '../src/manifest/export.ts';
import { verifyManifestFile } from '../src/manifest/verify.ts';
import { facilityPublicKeyFromPoint } from '../src/manifest/facility-key.ts';
import {
  manifestInput,
  realDevices,
  syntheticDevices,
  testSigner,
} from '../test/manifest/fixture.ts';

const sizes = (process.env.ZTP_BENCH_MANIFEST_SIZES ?? '1000,10000,100000').split(',').map(Number);
const storeSizes = (process.env.ZTP_BENCH_STORE_SIZES ?? '1000,10000,100000')
  .split(',')
  .filter((n) => n !== '')
  .map(Number);
const signer = testSigner(7);
const key = facilityPublicKeyFromPoint(signer.publicKey);
const dir = await mkdtemp(path.join(tmpdir(), 'ztp-bench-manifest-'));

/** Runs `fn` while sampling RSS and heap; returns seconds and the peak rise above the start. */
async function measure(fn: () => Promise<unknown>) {
  global.gc?.();
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  return {
    seconds,
    rssMiB: (peakRss - start.rss) / 2 ** 20,
    heapMiB: (peakHeap - start.heapUsed) / 2 ** 20,
  };
}

interface Row {
  devices: number;
  mb: number;
  exportS: number;
  exportHeap: number;
  verifyS: number;
  verifyHeap: number;
  verifyRss: number;
}
const rows: Row[] = [];
try {
  for (const n of sizes) {
    const folder = path.join(dir, `n${n}`);
    // Export's own read-back verification is part of its time, as in production.
    const exp = await measure(() =>
      writeExport(folder, manifestInput(syntheticDevices(n), signer.thumbprint, []), { signer }),
    );
    const file = path.join(folder, 'manifest.json');
    let ok = false;
    const ver = await measure(async () => {
      ok = (await verifyManifestFile(file, { key, skipEcdaa: true })).ok;
    });
    if (!ok) throw new Error(`the ${n}-device manifest did not verify`);
    rows.push({
      devices: n,
      mb: (await stat(file)).size / 1e6,
      exportS: exp.seconds,
      exportHeap: exp.heapMiB,
      verifyS: ver.seconds,
      verifyHeap: ver.heapMiB,
      verifyRss: ver.rssMiB,
    });
    await rm(folder, { recursive: true, force: true });
  }

  const base = rows[0]!;
  const f = (x: number, d = 2) => x.toFixed(d);
  console.log(
    'structure (no pairings)  | devices |   MB | export s | ×time | export heap MiB | verify s | ×time | verify heap MiB | ×heap | verify RSS MiB | µs/device verify',
  );
  for (const r of rows) {
    console.log(
      `                         | ${String(r.devices).padStart(7)} | ${f(r.mb, 0).padStart(4)} | ${f(r.exportS).padStart(8)} | ${f(r.exportS / base.exportS, 1).padStart(5)} | ${f(r.exportHeap, 1).padStart(15)} | ${f(r.verifyS).padStart(8)} | ${f(r.verifyS / base.verifyS, 1).padStart(5)} | ${f(r.verifyHeap, 1).padStart(15)} | ${f(r.verifyHeap / Math.max(base.verifyHeap, 1), 1).padStart(5)} | ${f(r.verifyRss, 0).padStart(14)} | ${f((r.verifyS / r.devices) * 1e6, 0).padStart(8)}`,
    );
  }

  // Full ECDAA verification on real devices (pairings on worker threads).
  const real = 8;
  const folder = path.join(dir, 'real');
  await writeExport(folder, manifestInput(realDevices(real), signer.thumbprint), { signer });
  const pool = new CryptoPool();
  try {
    await verifyManifestFile(path.join(folder, 'manifest.json'), { key, pool }); // warm the workers
    let report: Awaited<ReturnType<typeof verifyManifestFile>> | undefined;
    const full = await measure(async () => {
      report = await verifyManifestFile(path.join(folder, 'manifest.json'), { key, pool });
    });
    const noPairing = await measure(() =>
      verifyManifestFile(path.join(folder, 'manifest.json'), { key, skipEcdaa: true }),
    );
    if (!report?.ok) throw new Error('the real-device manifest did not verify');
    const perDevice = full.seconds / real;
    console.log(
      `with ECDAA (${pool.size} workers)   | ${real} real devices: ${f(full.seconds)} s, ${f(perDevice * 1000, 0)} ms/device ` +
        `(${f(full.seconds / noPairing.seconds, 0)}× the structure-only check); ` +
        `extrapolated 1k: ${f((perDevice * 1000) / 60, 1)} min, 10k: ${f((perDevice * 1e4) / 60, 0)} min, 100k: ${f((perDevice * 1e5) / 3600, 1)} h`,
    );
  } finally {
    await pool.close();
  }

  if (storeSizes.length > 0) await storeBench();
} finally {
  await rm(dir, { recursive: true, force: true });
}

/**
 * A copy of `template` (a store with one provisioned device and its journal) holding `n`
 * copies of that device, each with its own device id, EK keys, member key, join nonce and
 * credential so the verifier's duplicate checks pass. Bench set-up only: it writes rows with
 * SQL directly, which the workstation itself does only in src/store.
 */
function seedStore(template: string, dataDir: string, n: number): void {
  cpSync(path.dirname(template), dataDir, { recursive: true });
  copyFileSync(template, path.join(dataDir, path.basename(template)));
  const db = new Database(path.join(dataDir, path.basename(template)));
  try {
    const row = db
      .prepare("SELECT * FROM devices WHERE status = 'provisioned' ORDER BY row_id LIMIT 1")
      .get() as Record<string, unknown> & { row_id: number; identity: string };
    const journal = db
      .prepare(
        "SELECT step, phase, data, at FROM journal WHERE device_row = ? AND step = 'ek-policy'",
      )
      .all(row.row_id) as { step: string; phase: string; data: string; at: string }[];
    const columns = Object.keys(row).filter((c) => c !== 'row_id');
    const insertDevice = db.prepare(
      `INSERT INTO devices (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`,
    );
    const insertJournal = db.prepare(
      'INSERT INTO journal (device_row, step, phase, data, at) VALUES (?, ?, ?, ?, ?)',
    );
    const tweak = (bytes: Buffer, i: number) => {
      const copy = Buffer.from(bytes);
      copy.writeUInt32BE(i, 4);
      return copy;
    };
    db.transaction(() => {
      for (let i = 1; i < n; i++) {
        const deviceId = createHash('sha256').update(`bench-device-${i}`).digest('hex');
        const identity = JSON.parse(row.identity) as {
          deviceId: string;
          ek: { spkiDer: string };
          eks: { spkiDer: string }[];
        };
        identity.deviceId = deviceId;
        for (const ek of [identity.ek, ...identity.eks]) {
          ek.spkiDer = tweak(Buffer.from(ek.spkiDer, 'base64'), i).toString('base64');
        }
        const { lastInsertRowid } = insertDevice.run({
          ...row,
          device_id: deviceId,
          identity: JSON.stringify(identity),
          member_pk: tweak(row.member_pk as Buffer, i),
          nonce: tweak(row.nonce as Buffer, i),
          credential: tweak(row.credential as Buffer, i),
        });
        for (const j of journal) insertJournal.run(lastInsertRowid, j.step, j.phase, j.data, j.at);
      }
    })();
  } finally {
    db.close();
  }
}

async function storeBench(): Promise<void> {
  const child = fileURLToPath(new URL('manifest-store.ts', import.meta.url));
  const measureIn = (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, child, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }).trim(),
    ) as { seconds: number; rssBeforeMiB: number; phasePeakMiB: number; processPeakMiB: number };
  // One device provisioned on swtpm: a real record (EK certificates, identity JSON, journal).
  const demo = await runDemo({ devices: 1, slots: 1, out: path.join(dir, 'demo') });
  const template = path.join(demo.dataDir, 'ztp.db');
  const f = (x: number, d = 0) => x.toFixed(d);
  console.log(
    'store path (no pairings) | devices |   MB | export s | export RSS peak MiB (process) | verify s | verify RSS peak MiB (process) | µs/device export',
  );
  for (const n of storeSizes) {
    const dataDir = path.join(dir, `store-${n}`);
    const out = path.join(dir, `store-${n}-out`);
    await mkdir(dataDir);
    seedStore(template, dataDir, n);
    const exp = measureIn('export', dataDir, demo.batchId, out);
    const file = path.join(out, 'manifest.json');
    const mb = (await stat(file)).size / 1e6;
    const ver = measureIn('verify', file);
    console.log(
      `                         | ${String(n).padStart(7)} | ${f(mb).padStart(4)} | ${f(exp.seconds, 2).padStart(8)} | ${`${f(exp.phasePeakMiB)} (${f(exp.processPeakMiB)})`.padStart(29)} | ${f(ver.seconds, 2).padStart(8)} | ${`${f(ver.phasePeakMiB)} (${f(ver.processPeakMiB)})`.padStart(29)} | ${f((exp.seconds / n) * 1e6).padStart(8)}`,
    );
    await rm(dataDir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
  console.log(
    '  RSS peak: while exporting or verifying; (process): the whole run, including unlocking the keyring (scrypt, 128 MiB)',
  );
}
