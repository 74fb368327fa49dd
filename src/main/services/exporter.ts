import path from 'node:path';
import {
  exportFolderOnDrive,
  listRemovableDrives,
  type ListDrivesOptions,
} from '../../drives/drives.ts';
import { exportBatchTo } from '../../engine/export.ts';
import { MANIFEST_FILE } from '../../manifest/export.ts';
import { facilityKeyHistory } from '../../manifest/facility-key.ts';
import { verifyManifestFile, type VerifyReport } from '../../manifest/verify.ts';
import type { ExportResult } from '../ipc-contract.ts';
import { fingerprintOf, type BatchExporter, type ExportJob } from './app-service.ts';
import { AppError } from './errors.ts';

/** Device failures listed in the result; the count says how many more there were. */
const MAX_PROBLEMS = 20;

/**
 * Progress events for at most every hundredth of the devices: a 100k-device batch must not
 * send 100k events across the bridge.
 */
function throttled(total: number, send: (devices: number) => void): (devices: number) => void {
  const step = Math.max(1, Math.floor(total / 100));
  let last = -1;
  return (devices) => {
    if (devices === total || last < 0 || devices - last >= step) {
      last = devices;
      send(devices);
    }
  };
}

function describeVerification(v: VerifyReport): ExportResult['verification'] {
  const problems = v.failures
    .slice(0, MAX_PROBLEMS)
    .map((f) => `${f.device ? `Device ${f.device}: ` : ''}${f.field}: ${f.reason}`);
  if (v.failureCount > problems.length) {
    problems.push(`…and ${v.failureCount - problems.length} more problems.`);
  }
  const devices = `${v.counts.provisioned} provisioned and ${v.counts.rejected} not provisioned devices`;
  const summary = v.ok
    ? `Read back from the drive and verified: ${devices}; the facility key's signature, ` +
      `the Merkle root and the counts hold${v.ecdaaChecked ? ', and every join proof, credential and self-test signature' : ''}.`
    : `The manifest on the drive does NOT verify (${v.failureCount} problem${v.failureCount === 1 ? '' : 's'}): ` +
      'do not ship this drive. Export again, to another drive if it happens again.';
  return { ok: v.ok, ecdaaChecked: v.ecdaaChecked, problems, summary, seconds: v.seconds };
}

/**
 * The export behind the Export screen: the engine writes the closed batch's export folder
 * (manifest, GPK, facility key, label files, README, SHA256SUMS) atomically onto the chosen
 * removable drive and reads it back; then the manifest is verified once more from the drive,
 * against this workstation's own facility keys (not the key file beside it, which anyone could
 * replace), with every ECDAA check on the app's worker threads. That second pass is where the
 * per-device progress comes from, and it is what the screen reports.
 */
export class ManifestExporter implements BatchExporter {
  constructor(private readonly drives: ListDrivesOptions = {}) {}

  async exportBatch(job: ExportJob): Promise<ExportResult> {
    const { ws, operator, batchId, drive, pool, progress } = job;
    // Looked up again right before writing: the drive may have been pulled or remounted
    // read-only since the screen listed it.
    const target = (await listRemovableDrives(this.drives)).find((d) => d.device === drive.id);
    if (!target) {
      throw new AppError(
        'not-found',
        `The drive ${drive.label} is gone: plug it in again and choose it from the list.`,
      );
    }
    if (target.readOnly) {
      throw new AppError(
        'state',
        `The drive ${drive.label} is mounted read-only: slide its write-protect switch off or choose another drive.`,
      );
    }
    const c = ws.store.batchCounts(batchId);
    const expected = c.provisioned + c.failed + c.set_aside + c.rolled_back;
    progress({ phase: 'writing', devices: 0, total: expected });

    // Without a pool the engine's own read-back checks structure, signature and Merkle root
    // only; the pairing checks run once, below.
    const written = await exportBatchTo(
      ws,
      operator,
      batchId,
      exportFolderOnDrive(target, batchId),
    );
    const total = written.counts.provisioned + written.counts.rejected;
    const file = path.join(written.folder, MANIFEST_FILE);
    const report = await verifyManifestFile(file, {
      key: facilityKeyHistory(ws.store),
      pool,
      maxFailures: MAX_PROBLEMS,
      onProgress: throttled(total, (devices) => progress({ phase: 'verifying', devices, total })),
    });
    const thumbprint = report.kid ?? '';
    const fingerprint = thumbprint ? fingerprintOf(thumbprint) : '(none: the manifest has no kid)';
    const verification = describeVerification(report);
    ws.store.audit({
      actor: operator,
      action: 'batch.export-verified',
      batchId,
      details: {
        folder: written.folder,
        drive: target.device,
        ok: report.ok,
        ecdaaChecked: report.ecdaaChecked,
        failures: report.failureCount,
        kid: report.kid,
      },
    });
    return {
      batchId,
      driveId: target.device,
      folder: written.folder,
      file,
      devices: total,
      counts: written.counts,
      files: written.files,
      bytes: written.files.reduce((n, f) => n + f.bytes, 0),
      merkleRoot: written.merkleRoot,
      facilityKey: { thumbprint, fingerprint },
      verification,
    };
  }
}
