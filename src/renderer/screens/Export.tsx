import { useCallback, useEffect, useState } from 'react';
import type { DriveView, ExportProgress, ExportResult } from '../../main/ipc-contract.ts';
import type { ScreenProps } from '../App.tsx';
import { call, errorMessage, useEvent } from '../api.ts';
import { ErrorBanner, Notice, PageHeader, ProgressBar, StatusBadge } from '../components/ui.tsx';
import { useBatches } from './Batches.tsx';

function size(bytes: number | null): string {
  if (bytes === null) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Export: a closed batch's signed manifest to a removable drive, then verify it there. */
export function ExportScreen(props: ScreenProps) {
  const { batches } = useBatches();
  const exportable = (batches ?? []).filter((b) => b.status !== 'open');
  const batch = exportable.find((b) => b.id === props.batchId) ?? exportable[0];
  const [drives, setDrives] = useState<DriveView[]>([]);
  const [driveId, setDriveId] = useState('');
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [result, setResult] = useState<ExportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const scan = useCallback(() => {
    call('export.drives', {})
      .then((d) => {
        setDrives(d);
        setDriveId((cur) => (d.some((x) => x.id === cur) ? cur : (d[0]?.id ?? '')));
      })
      .catch((e) => setError(errorMessage(e)));
  }, []);
  useEffect(scan, [scan]);
  useEvent('export.progress', (p) => setProgress(p));

  const run = async () => {
    if (!batch) return;
    setBusy(true);
    setError(null);
    setResult(null);
    setProgress(null);
    try {
      setResult(await call('export.run', { batchId: batch.id, driveId }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="export-title">
      <PageHeader
        title="Export"
        subtitle="Writes the batch’s signed manifest to a removable drive and checks it there."
      />
      <h2 id="export-title" className="sr-only">
        Export
      </h2>
      {exportable.length === 0 && (
        <Notice tone="info" title="No batch to export">
          <p>Close a batch first (Batches → Open → Close batch).</p>
        </Notice>
      )}
      <div className="export-grid">
        <div className="card">
          <h3>1. Batch</h3>
          <select
            aria-label="Batch to export"
            value={batch?.id ?? ''}
            onChange={(e) => props.selectBatch(e.target.value)}
          >
            {exportable.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name} ({b.status})
              </option>
            ))}
          </select>
          {batch && (
            <p>
              <StatusBadge status={batch.status} /> {batch.counts.provisioned} provisioned devices
            </p>
          )}
        </div>
        <div className="card">
          <h3>2. Removable drive</h3>
          {drives.length === 0 ? (
            <p className="muted">No removable drive found. Plug one in, then look again.</p>
          ) : (
            <fieldset className="drive-list">
              <legend className="sr-only">Removable drive</legend>
              {drives.map((d) => (
                <label key={d.id} className="drive">
                  <input
                    type="radio"
                    name="drive"
                    value={d.id}
                    checked={driveId === d.id}
                    onChange={() => setDriveId(d.id)}
                  />
                  <span>
                    <strong>{d.label}</strong>
                    <span className="small muted mono"> {d.mountPoint}</span>
                    <br />
                    <span className="small">
                      {size(d.freeBytes)} free of {size(d.sizeBytes)}
                    </span>
                  </span>
                </label>
              ))}
            </fieldset>
          )}
          <button type="button" className="btn" onClick={scan}>
            Look for drives again
          </button>
        </div>
        <div className="card">
          <h3>3. Export and verify</h3>
          <button
            type="button"
            className="btn btn-primary btn-large"
            disabled={busy || !batch || !driveId}
            onClick={() => void run()}
          >
            {busy ? 'Exporting…' : 'Export manifest'}
          </button>
          {busy && <ExportProgressView progress={progress} />}
          <ErrorBanner message={error} title="Export failed" />
        </div>
      </div>
      {result && <ExportResultView result={result} />}
    </section>
  );
}

const PHASE_TEXT: Record<ExportProgress['phase'], string> = {
  writing: 'Writing the manifest, group key, facility key and label files to the drive…',
  verifying: 'Reading the manifest back from the drive and checking every device…',
  done: 'Export finished.',
};

/** Writing has no per-device count (the file is written in one stream): the bar is indeterminate. */
function ExportProgressView({ progress }: { progress: ExportProgress | null }) {
  const phase = progress?.phase ?? 'writing';
  return (
    <div className="export-progress" role="status" aria-label="Export progress">
      <p>
        {PHASE_TEXT[phase]}
        {phase === 'verifying' && progress && (
          <>
            {' '}
            <strong>
              {progress.devices} of {progress.total}
            </strong>
          </>
        )}
      </p>
      {phase === 'writing' ? (
        <div className="progress progress-indeterminate" role="progressbar" aria-label="Writing">
          <div className="progress-fill" />
        </div>
      ) : (
        <ProgressBar
          value={progress?.devices ?? 0}
          max={Math.max(progress?.total ?? 0, 1)}
          label="Verifying"
        />
      )}
    </div>
  );
}

/** The verification of the manifest as it lies on the drive, and what was written. */
function ExportResultView({ result }: { result: ExportResult }) {
  const v = result.verification;
  return (
    <div className="card export-result">
      <div className="export-result-body">
        <div>
          <div
            className={`verdict ${v.ok ? 'verdict-ok' : 'verdict-bad'}`}
            role="alert"
            aria-label={v.ok ? 'Manifest verified' : 'Manifest verification failed'}
          >
            <span className="verdict-word">{v.ok ? 'VERIFIED' : 'NOT VERIFIED'}</span>
            <p>{v.summary}</p>
            {v.problems.length > 0 && (
              <ul>
                {v.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            )}
          </div>
          <dl className="facts">
            <dt>Folder on the drive</dt>
            <dd className="mono small">{result.folder}</dd>
            <dt>Facility key fingerprint</dt>
            <dd>
              <span className="mono" aria-label="Signing key fingerprint">
                {result.facilityKey.fingerprint}
              </span>
              <br />
              <span className="small muted words">
                Compare it with the one written down at set-up.
              </span>
            </dd>
            <dt>Devices</dt>
            <dd>
              {result.counts.provisioned} provisioned, {result.counts.rejected} not provisioned
            </dd>
            <dt>Merkle root</dt>
            <dd className="mono small">{result.merkleRoot}</dd>
            <dt>Checked</dt>
            <dd>
              {v.ecdaaChecked
                ? 'Signature, schema, counts, Merkle root and every ECDAA proof'
                : 'Signature, schema, counts and Merkle root'}{' '}
              in {v.seconds.toFixed(1)} s
            </dd>
          </dl>
        </div>
        <table className="table table-compact" aria-label="Exported files">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {result.files.map((f) => (
              <tr key={f.name}>
                <th scope="row" className="mono">
                  {f.name}
                </th>
                <td className="nowrap">{size(f.bytes)}</td>
                <td className="mono small" title={f.sha256}>
                  {f.sha256.slice(0, 8)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
