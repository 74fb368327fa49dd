/** The station's pure parts: one slot tile and the throughput chart. */
import { STEPS, STEP_LABELS, type SlotEvent } from '../../engine/events.ts';
import { ProgressBar } from './ui.tsx';

export interface SlotStatus {
  slot: string;
  tpmName: string;
  state: SlotEvent['state'];
  step?: SlotEvent['step'];
  stepIndex?: number;
  deviceId?: string;
  vendor?: string;
  failure?: SlotEvent['failure'];
  message?: string;
}

const STATE_TEXT: Record<SlotEvent['state'], string> = {
  waiting: 'Waiting',
  working: 'Working',
  provisioned: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
};

export function SlotTile({ s }: { s: SlotStatus }) {
  const done =
    s.state === 'provisioned' ? STEPS.length : s.stepIndex !== undefined ? s.stepIndex : 0;
  const titleId = `slot-${s.slot}-title`;
  return (
    <article className={`tile tile-${s.state}`} aria-labelledby={titleId} data-state={s.state}>
      <header className="tile-head">
        <h3 id={titleId}>Slot {s.slot}</h3>
        <span className="tile-state" role="status" aria-label={`Slot ${s.slot} status`}>
          {STATE_TEXT[s.state]}
        </span>
      </header>
      <p className="tile-id mono" title={s.deviceId}>
        {s.deviceId ? `${s.deviceId.slice(0, 16)}…` : s.tpmName}
      </p>
      {s.vendor && <p className="tile-vendor small">{s.vendor}</p>}
      <p className="tile-step">
        {s.state === 'working' && s.step
          ? STEP_LABELS[s.step]
          : s.state === 'provisioned'
            ? 'Provisioned and self-tested'
            : s.state === 'waiting'
              ? 'Ready'
              : ''}
      </p>
      <ProgressBar value={done} max={STEPS.length} label={`Slot ${s.slot} progress`} />
      {s.failure && (
        <div className="tile-failure">
          <p>
            <strong>What happened:</strong> {s.failure.message}
          </p>
          <p>
            <strong>What to do:</strong> {s.failure.action}
          </p>
        </div>
      )}
      {s.state === 'skipped' && s.message && <p className="tile-failure small">{s.message}</p>}
    </article>
  );
}

/**
 * Devices finished per time bucket, newest on the right. Bucket width adapts to the run's
 * length so a short test run and an eight-hour shift both fill the chart.
 */
export function ThroughputChart({
  finishes,
  now,
}: {
  finishes: { at: number; ok: boolean }[];
  now: number;
}) {
  const W = 560;
  const H = 160;
  const BARS = 30;
  const first = finishes[0]?.at ?? now;
  const span = Math.max(now - first, 1000);
  const bucketMs =
    [1000, 5000, 15000, 60000, 300000, 900000].find((b) => b * BARS >= span) ?? 3600000;
  const end = Math.ceil(now / bucketMs) * bucketMs;
  const bins = Array.from({ length: BARS }, () => ({ ok: 0, failed: 0 }));
  for (const f of finishes) {
    const i = BARS - 1 - Math.floor((end - f.at - 1) / bucketMs);
    if (i >= 0 && i < BARS) bins[i]![f.ok ? 'ok' : 'failed']++;
  }
  const max = Math.max(1, ...bins.map((b) => b.ok + b.failed));
  const bw = W / BARS;
  const okCount = finishes.filter((f) => f.ok).length;
  const perMin = span > 0 ? (okCount / span) * 60000 : 0;
  const unit = bucketMs >= 60000 ? `${bucketMs / 60000} min` : `${bucketMs / 1000} s`;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H + 20}`}
        role="img"
        aria-label={`Throughput: ${okCount} devices provisioned, ${perMin.toFixed(1)} per minute`}
      >
        <line x1="0" y1={H} x2={W} y2={H} className="chart-axis" />
        {bins.map((b, i) => {
          const hOk = (b.ok / max) * (H - 10);
          const hFail = (b.failed / max) * (H - 10);
          return (
            <g key={i}>
              <rect x={i * bw + 2} y={H - hOk} width={bw - 4} height={hOk} className="bar-ok" />
              <rect
                x={i * bw + 2}
                y={H - hOk - hFail}
                width={bw - 4}
                height={hFail}
                className="bar-failed"
              />
            </g>
          );
        })}
        <text x="0" y={H + 16} className="chart-label">
          {BARS} × {unit}
        </text>
        <text x={W} y={H + 16} textAnchor="end" className="chart-label">
          now
        </text>
      </svg>
      <figcaption>
        <strong>{perMin.toFixed(1)}</strong> devices per minute
      </figcaption>
    </figure>
  );
}
