import { useCallback, useEffect, useState } from 'react';
import type { StationState } from '../../main/ipc-contract.ts';
import type { ScreenProps } from '../App.tsx';
import { call, errorMessage, useEvent } from '../api.ts';
import { SlotTile, ThroughputChart, type SlotStatus } from '../components/station.tsx';
import { ErrorBanner, Notice, PageHeader, Stat } from '../components/ui.tsx';
import { useBatches } from './Batches.tsx';

/** The operator's main screen: one tile per slot, start / stop / resume, throughput and yield. */
export function StationScreen(props: ScreenProps) {
  const { batches } = useBatches();
  const open = (batches ?? []).filter((b) => b.status === 'open');
  const batch = open.find((b) => b.id === props.batchId) ?? open[0];
  const [station, setStation] = useState<StationState | null>(null);
  const [slots, setSlots] = useState<Map<string, SlotStatus>>(new Map());
  const [finishes, setFinishes] = useState<{ at: number; ok: boolean }[]>([]);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState<string | null>(null);
  const [lastRun, setLastRun] = useState<{
    provisioned: number;
    failed: number;
    skipped: number;
  } | null>(null);

  const load = useCallback(() => {
    call('station.state', {})
      .then((s) => {
        setStation(s);
        setSlots((prev) => {
          const next = new Map<string, SlotStatus>();
          for (const v of s.slots)
            next.set(
              v.slot,
              prev.get(v.slot) ?? { slot: v.slot, tpmName: v.tpmName, state: 'waiting' },
            );
          return next;
        });
      })
      .catch((e) => setError(errorMessage(e)));
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    if (!station?.running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [station?.running]);

  useEvent('provision', (e) => {
    if (e.type === 'slot') {
      setSlots((prev) => {
        const next = new Map(prev);
        const old = prev.get(e.slot);
        next.set(e.slot, {
          slot: e.slot,
          tpmName: e.tpmName,
          state: e.state,
          step: e.step,
          stepIndex: e.stepIndex,
          deviceId: e.deviceId ?? old?.deviceId,
          vendor: e.vendor ?? old?.vendor,
          firmware: e.firmware ?? old?.firmware,
          failure: e.failure,
          message: e.message,
        });
        return next;
      });
    } else if (e.type === 'device') {
      setFinishes((f) => [...f, { at: Date.now(), ok: e.status === 'provisioned' }]);
      setNow(Date.now());
    } else if (e.type === 'run') {
      if (e.state === 'finished')
        setLastRun({ provisioned: e.provisioned, failed: e.failed, skipped: e.skipped });
      if (e.state === 'started') setLastRun(null);
      load();
    }
  });

  const act = async (what: 'start' | 'stop' | 'resume') => {
    setError(null);
    try {
      if (what === 'stop') setStation(await call('station.stop', {}));
      else {
        if (!batch) return;
        setSlots(
          (prev) =>
            new Map(
              [...prev].map(([k, v]) => [
                k,
                { slot: v.slot, tpmName: v.tpmName, state: 'waiting' as const },
              ]),
            ),
        );
        setStation(
          await call(what === 'start' ? 'station.start' : 'station.resume', { batchId: batch.id }),
        );
      }
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const counts = batch?.counts;
  const finished = counts ? counts.provisioned + counts.failed : 0;
  const yieldPct =
    counts && finished > 0 ? Math.round((counts.provisioned / finished) * 1000) / 10 : null;
  const running = !!station?.running;

  return (
    <section aria-labelledby="station-title" className="station">
      <PageHeader
        title="Station"
        subtitle={
          batch ? (
            <>
              Provisioning into <strong>{batch.name}</strong>
            </>
          ) : (
            'No open batch'
          )
        }
        actions={
          <>
            <label className="inline-select">
              <span>Batch</span>
              <select
                value={batch?.id ?? ''}
                onChange={(e) => props.selectBatch(e.target.value)}
                disabled={running || open.length === 0}
                aria-label="Batch to provision"
              >
                {open.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name}
                  </option>
                ))}
              </select>
            </label>
            {running ? (
              <button
                type="button"
                className="btn btn-danger btn-large"
                onClick={() => void act('stop')}
                disabled={station?.stopping}
              >
                {station?.stopping ? 'Stopping…' : 'Stop'}
              </button>
            ) : (
              <>
                {(station?.interrupted ?? 0) > 0 && (
                  <button
                    type="button"
                    className="btn btn-large"
                    onClick={() => void act('resume')}
                    disabled={!batch}
                  >
                    Resume {station!.interrupted} interrupted
                  </button>
                )}
                <button
                  type="button"
                  className="btn btn-primary btn-large"
                  onClick={() => void act('start')}
                  disabled={!batch || (station?.slots.length ?? 0) === 0}
                >
                  Start
                </button>
              </>
            )}
          </>
        }
      />
      <h2 id="station-title" className="sr-only">
        Station
      </h2>
      <ErrorBanner message={error} title="The run did not start" />
      {station && station.slots.length === 0 && (
        <Notice tone="warn" title="No TPM slots configured">
          <p>Add TPM endpoints or the simulated fixture in Settings.</p>
        </Notice>
      )}
      {lastRun && (
        <Notice tone={lastRun.failed > 0 ? 'warn' : 'ok'} title="Run finished:">
          <p>
            {lastRun.provisioned} provisioned, {lastRun.failed} failed
            {lastRun.skipped > 0 && `, ${lastRun.skipped} skipped`}.
            {lastRun.failed > 0 && ' Red tiles say what to do; Start retries them.'}
          </p>
        </Notice>
      )}
      {/* Yield and throughput above the tiles: they stay in view however many slots there are. */}
      <div className="station-summary">
        <div className="stats" role="group" aria-label="Batch yield">
          <Stat label="Provisioned" value={counts?.provisioned ?? 0} tone="ok" />
          <Stat label="Failed" value={counts?.failed ?? 0} tone="failed" />
          <Stat label="Yield" value={yieldPct === null ? '—' : `${yieldPct}%`} />
          {batch?.targetCount ? <Stat label="Target" value={batch.targetCount} /> : null}
        </div>
        <ThroughputChart finishes={finishes} now={now} />
      </div>
      <div className="tiles" role="list" aria-label="Slots">
        {[...slots.values()].map((s) => (
          <div role="listitem" key={s.slot}>
            <SlotTile s={s} />
          </div>
        ))}
      </div>
    </section>
  );
}
