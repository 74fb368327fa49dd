// Manifest export and verification at 1k, 10k and 100k devices: wall time and peak memory,
// side by side with ratios. Synthetic copies of a real record fill the large batches (unique
// ids, nonces and keys), so those runs check the signature, schema, canonical form, counts,
// duplicates and Merkle root but not pairings; the ECDAA rate is measured on real devices
// and extrapolated. Peak memory staying flat while the batch grows 100× shows streaming.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
} finally {
  await rm(dir, { recursive: true, force: true });
}
