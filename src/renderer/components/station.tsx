/** The station's pure parts: one slot tile and the throughput chart. */
import { FAILURE_STEP_LABELS, STEPS, STEP_LABELS, type SlotEvent } from '../../engine/events.ts';
import { ProgressBar } from './ui.tsx';

export interface SlotStatus {
  slot: string;
  tpmName: string;
  state: SlotEvent['state'];
  step?: SlotEvent['step'];
  stepIndex?: number;
  deviceId?: string;
  vendor?: string;
  firmware?: string;
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
      <p className="tile-id mono" title={s.deviceId ?? s.tpmName}>
        {s.deviceId ? `${s.deviceId.slice(0, 16)}…` : s.tpmName}
      </p>
      <p className="tile-vendor" title={s.firmware && `firmware ${s.firmware}`}>
        {s.vendor ? (
          <>
            <strong>{s.vendor}</strong>
            {s.firmware && <span className="tile-firmware"> fw {s.firmware}</span>}
          </>
        ) : (
          <span className="muted">TPM not identified yet</span>
        )}
      </p>
      <p className="tile-step">
        {s.failure
          ? `Failed at: ${FAILURE_STEP_LABELS[s.failure.step]}`
          : s.state === 'working' && s.step
            ? STEP_LABELS[s.step]
            : s.state === 'provisioned'
              ? 'Self-test passed'
              : s.state === 'waiting'
                ? 'Ready'
                : ''}
      </p>
      <ProgressBar value={done} max={STEPS.length} label={`Slot ${s.slot} progress`} />
      {s.failure && <FailureBox failure={s.failure} />}
      {s.state === 'skipped' && s.message && <p className="tile-failure small">{s.message}</p>}
    </article>
  );
}

/** What went wrong, in plain words first, what to do in bold, the raw detail last and small. */
export function FailureBox({ failure }: { failure: NonNullable<SlotEvent['failure']> }) {
  const code =
    failure.code !== undefined ? `TPM response code 0x${failure.code.toString(16)}` : null;
  const detail = [code, failure.detail].filter(Boolean).join(' · ');
  return (
    <div className="tile-failure">
      <p className="failure-message">
        <span className="sr-only">What happened: </span>
        {failure.message}
      </p>
      <p className="failure-action">
        <strong>What to do:</strong> {failure.action}
      </p>
      {detail && (
        <p className="failure-detail mono" title={detail}>
          {detail}
        </p>
      )}
    </div>
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
  // Wide and short: the chart sits beside the yield above the tiles, visible with 8 slots.
  const W = 600;
  const H = 56;
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
  const top = 4;
  const bw = W / BARS;
  const okCount = finishes.filter((f) => f.ok).length;
  const perMin = span > 0 ? (okCount / span) * 60000 : 0;
  const unit = bucketMs >= 60000 ? `${bucketMs / 60000} min` : `${bucketMs / 1000} s`;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H + 16}`}
        role="img"
        aria-label={`Throughput: ${okCount} devices provisioned, ${perMin.toFixed(1)} per minute`}
      >
        <line x1="0" y1={H} x2={W} y2={H} className="chart-axis" />
        {bins.map((b, i) => {
          const hOk = (b.ok / max) * (H - top);
          const hFail = (b.failed / max) * (H - top);
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
        <text x="0" y={H + 14} className="chart-label">
          {BARS} × {unit}
        </text>
        <text x={W} y={H + 14} textAnchor="end" className="chart-label">
          now
        </text>
      </svg>
      <figcaption>
        <strong>{perMin.toFixed(1)}</strong> devices per minute
      </figcaption>
    </figure>
  );
}
