// The store path of bench/manifest.bench.ts, one process per measurement so that each peak
// RSS is its own: `node --import tsx bench/manifest-store.ts export DATA_DIR BATCH OUT` runs
// what `ztp manifest export --no-labels --no-ecdaa` runs (store → canonical payload → JWS →
// file → read back and verify), `… verify FILE` what `ztp manifest verify --no-ecdaa` runs.
// It prints one JSON line: seconds, peak RSS of the whole process (which includes unlocking
// the keyring: scrypt with N = 2^17, r = 8 takes 128 MiB) and peak RSS while the export or
// verification ran, sampled every 5 ms.
import { DEMO_PASSPHRASE, DEMO_SUPERVISOR } from '../src/engine/demo.ts';
import { exportBatchTo } from '../src/engine/export.ts';
import { Workstation } from '../src/engine/workstation.ts';
import { verifyManifestFile } from '../src/manifest/verify.ts';

const MiB = 2 ** 20;
const [mode, ...args] = process.argv.slice(2);

async function sampled(fn: () => Promise<unknown>) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, rssBeforeMiB: before / MiB, phasePeakMiB: peak / MiB };
}

let result: Awaited<ReturnType<typeof sampled>>;
if (mode === 'export') {
  const [dataDir, batchId, out] = args as [string, string, string];
  const ws = Workstation.open(dataDir);
  try {
    await ws.unlock(DEMO_PASSPHRASE);
    result = await sampled(async () => {
      const r = await exportBatchTo(ws, DEMO_SUPERVISOR, batchId, out, { labels: false });
      if (!r.verified) throw new Error(`the export of ${batchId} did not verify`);
    });
  } finally {
    ws.close();
  }
} else if (mode === 'verify') {
  const [file] = args as [string];
  result = await sampled(async () => {
    const r = await verifyManifestFile(file, { skipEcdaa: true });
    if (!r.ok) throw new Error(`${file} did not verify: ${JSON.stringify(r.failures[0])}`);
  });
} else {
  throw new Error(`usage: manifest-store.ts export DATA_DIR BATCH OUT | verify FILE`);
}
console.log(JSON.stringify({ ...result, processPeakMiB: process.resourceUsage().maxRSS / 1024 }));
