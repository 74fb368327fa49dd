import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { FAILURE_STEP_LABELS } from '../../engine/events.ts';
import {
  DEVICE_STATUSES,
  type BatchView,
  type DeviceDetailView,
  type DeviceListRow,
  type DeviceStatus,
} from '../../main/ipc-contract.ts';
import type { ScreenProps } from '../App.tsx';
import { call, errorMessage, useEvent } from '../api.ts';
import {
  ErrorBanner,
  Field,
  Hex,
  PageHeader,
  Stat,
  StatusBadge,
  formatTime,
} from '../components/ui.tsx';

const PAGE = 200;
const ROW_HEIGHT = 44;

export function BatchDetailScreen(props: ScreenProps & { batchId: string; onBack: () => void }) {
  const [batch, setBatch] = useState<BatchView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [confirmClose, setConfirmClose] = useState(false);
  const [destroyKey, setDestroyKey] = useState(false);

  const load = useCallback(() => {
    call('batches.get', { id: props.batchId })
      .then(setBatch)
      .catch((e) => setError(errorMessage(e)));
  }, [props.batchId]);
  useEffect(load, [load]);
  useEvent('changed', (c) => {
    if (c.what === 'batches' && (!c.batchId || c.batchId === props.batchId)) load();
  });

  const close = async () => {
    try {
      setBatch(await call('batches.close', { id: props.batchId, destroyIssuerKey: destroyKey }));
      setConfirmClose(false);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  if (!batch) return <ErrorBanner message={error} />;
  const c = batch.counts;
  return (
    <section aria-labelledby="batch-title" className="batch-detail">
      <PageHeader
        title={batch.name}
        subtitle={
          <>
            <StatusBadge status={batch.status} /> {batch.product && <>{batch.product} · </>}created{' '}
            {formatTime(batch.createdAt)} by {batch.createdBy}
          </>
        }
        actions={
          <>
            <button type="button" className="btn" onClick={props.onBack}>
              Back
            </button>
            <button type="button" className="btn" onClick={() => props.go('labels', batch.id)}>
              Labels
            </button>
            {batch.status === 'open' && props.status.role === 'supervisor' && (
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => setConfirmClose(true)}
              >
                Close batch
              </button>
            )}
            {batch.status === 'closed' && (
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => props.go('export', batch.id)}
              >
                Export
              </button>
            )}
          </>
        }
      />
      <h2 id="batch-title" className="sr-only">
        Batch {batch.name}
      </h2>
      <ErrorBanner message={error} />
      {confirmClose && (
        <div
          className="banner banner-warn"
          role="alertdialog"
          aria-labelledby="close-title"
          aria-describedby="close-desc"
        >
          <strong id="close-title">Close batch {batch.name}?</strong>
          <p id="close-desc">No TPM can join it afterwards. Labels and exports stay possible.</p>
          <label className="check">
            <input
              type="checkbox"
              checked={destroyKey}
              onChange={(e) => setDestroyKey(e.target.checked)}
            />{' '}
            Also destroy the batch’s issuer secret key (cannot be undone)
          </label>
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => setConfirmClose(false)}>
              Keep it open
            </button>
            <button type="button" className="btn btn-danger" onClick={() => void close()}>
              Close the batch
            </button>
          </div>
        </div>
      )}
      <div className="stats">
        <Stat label="Provisioned" value={c.provisioned} tone="ok" />
        <Stat label="Failed" value={c.failed} tone="failed" />
        <Stat label="In progress" value={c.in_progress} />
        <Stat label="Rolled back" value={c.rolled_back} />
        <Stat label="Set aside" value={c.set_aside} />
        <Stat label="Target" value={batch.targetCount ?? '—'} />
      </div>
      <dl className="facts">
        <dt>Group key fingerprint</dt>
        <dd className="mono">{batch.gpkFingerprint}</dd>
        <dt>Group id (gid)</dt>
        <dd className="mono small">{batch.gid}</dd>
        <dt>Layout profile</dt>
        <dd>{batch.profile}</dd>
        <dt>EK policy</dt>
        <dd>{batch.ekPolicy}</dd>
        <dt>Batch id</dt>
        <dd className="mono small">{batch.id}</dd>
      </dl>
      <div className={selected === null ? 'split' : 'split split-open'}>
        <DeviceTable
          batchId={batch.id}
          selected={selected}
          onSelect={setSelected}
          compact={selected !== null}
        />
        {selected !== null && (
          <DeviceDetail
            rowId={selected}
            onClose={() => setSelected(null)}
            canSetAside={batch.status === 'open' && props.status.role === 'supervisor'}
          />
        )}
      </div>
    </section>
  );
}

/**
 * The batch's devices, virtualized: only the visible rows exist, fetched page by page.
 * `compact` (the device detail is open beside it) keeps only id, status and slot, so the id
 * stays readable next to the detail pane.
 */
function DeviceTable({
  batchId,
  selected,
  onSelect,
  compact,
}: {
  batchId: string;
  selected: number | null;
  onSelect: (rowId: number) => void;
  compact: boolean;
}) {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<DeviceStatus | ''>('');
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState<Map<number, DeviceListRow[]>>(new Map());
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const loading = useRef(new Set<number>());
  const scrollRef = useRef<HTMLDivElement>(null);

  const fetchPage = useCallback(
    (page: number, v: number) => {
      if (loading.current.has(page)) return;
      loading.current.add(page);
      call('devices.page', {
        batchId,
        offset: page * PAGE,
        limit: PAGE,
        search,
        status: status || null,
      })
        .then((r) => {
          if (v !== versionRef.current) return;
          setTotal(r.total);
          setPages((p) => new Map(p).set(page, r.rows));
        })
        .catch((e) => setError(errorMessage(e)))
        .finally(() => loading.current.delete(page));
    },
    [batchId, search, status],
  );
  const versionRef = useRef(0);
  // A new filter (or new devices) starts from an empty cache and page 0.
  useEffect(() => {
    versionRef.current++;
    loading.current.clear();
    setPages(new Map());
    fetchPage(0, versionRef.current);
  }, [fetchPage, version]);
  useEvent('changed', (c) => {
    if (c.what === 'batches' && c.batchId === batchId) setVersion((x) => x + 1);
  });

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  useEffect(() => {
    const need = new Set(items.map((i) => Math.floor(i.index / PAGE)));
    for (const p of need) if (!pages.has(p)) fetchPage(p, versionRef.current);
  }, [items, pages, fetchPage]);

  return (
    <div className={compact ? 'device-table device-table-compact' : 'device-table'}>
      <div className="filters" role="search" aria-label="Filter devices">
        <input
          type="search"
          placeholder="Device id, slot, TPM or maker"
          aria-label="Search devices"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select
          aria-label="Status filter"
          value={status}
          onChange={(e) => setStatus(e.target.value as DeviceStatus | '')}
        >
          <option value="">All statuses</option>
          {DEVICE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace('_', ' ')}
            </option>
          ))}
        </select>
        <span className="muted small nowrap" aria-live="polite">
          {total.toLocaleString()} device{total === 1 ? '' : 's'}
        </span>
      </div>
      <ErrorBanner message={error} />
      <div className="vt-head" role="presentation">
        <span>Device id</span>
        <span>Status</span>
        <span>Slot</span>
        {!compact && (
          <>
            <span>Maker</span>
            <span>Finished</span>
          </>
        )}
      </div>
      <div
        ref={scrollRef}
        className="vt-scroll"
        role="grid"
        aria-label="Devices"
        aria-rowcount={total}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = pages.get(Math.floor(item.index / PAGE))?.[item.index % PAGE];
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 1}
                aria-selected={row ? selected === row.rowId : false}
                tabIndex={row ? 0 : -1}
                className={`vt-row ${row && selected === row.rowId ? 'vt-row-selected' : ''}`}
                style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                onClick={() => row && onSelect(row.rowId)}
                onKeyDown={(e) => {
                  if (row && (e.key === 'Enter' || e.key === ' ')) {
                    e.preventDefault();
                    onSelect(row.rowId);
                  }
                }}
              >
                {row ? (
                  <>
                    <span role="gridcell" className="mono vt-id" title={row.deviceId}>
                      {row.deviceId}
                    </span>
                    <span role="gridcell">
                      <StatusBadge status={row.status} />
                    </span>
                    <span role="gridcell" title={row.tpmName}>
                      {row.slot}
                    </span>
                    {!compact && (
                      <>
                        <span role="gridcell">{row.manufacturer || '—'}</span>
                        <span role="gridcell" className="small">
                          {formatTime(row.finishedAt)}
                        </span>
                      </>
                    )}
                  </>
                ) : (
                  <span role="gridcell" className="muted">
                    Loading…
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function DeviceDetail({
  rowId,
  onClose,
  canSetAside,
}: {
  rowId: number;
  onClose: () => void;
  /** The batch is open and a supervisor is signed in (the service checks both again). */
  canSetAside: boolean;
}) {
  const [d, setD] = useState<DeviceDetailView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [askReason, setAskReason] = useState(false);
  const setAsideButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    setAskReason(false);
    call('devices.get', { rowId })
      .then(setD)
      .catch((e) => setError(errorMessage(e)));
  }, [rowId]);
  if (!d) return <ErrorBanner message={error} />;
  const identity = (d.identity ?? {}) as {
    manufacturer?: string;
    firmwareVersion?: string;
    ek?: { type?: string; certificatePem?: string };
  };
  const settable = canSetAside && (d.row.status === 'in_progress' || d.row.status === 'failed');
  return (
    <aside className="device-detail" aria-labelledby="device-title">
      <header className="page-header">
        <div>
          <h2 id="device-title" className="mono" title={d.row.deviceId}>
            Device {d.row.deviceId.slice(0, 16)}…
          </h2>
          <StatusBadge status={d.row.status} />
        </div>
        <button type="button" className="btn" onClick={onClose} aria-label="Close device detail">
          Close
        </button>
      </header>
      {settable && !askReason && (
        <div className="form-actions">
          <button
            ref={setAsideButton}
            type="button"
            className="btn btn-danger"
            onClick={() => setAskReason(true)}
          >
            Set aside…
          </button>
        </div>
      )}
      {settable && askReason && (
        <SetAsideForm
          row={d.row}
          onCancel={() => {
            setAskReason(false);
            // Back to the button that opened the form, for keyboard users.
            requestAnimationFrame(() => setAsideButton.current?.focus());
          }}
          onDone={(view) => {
            setAskReason(false);
            setD(view);
          }}
        />
      )}
      {d.failure && (
        <div className="banner banner-error" role="alert">
          <strong>
            Failed at:{' '}
            {FAILURE_STEP_LABELS[d.failure.step as keyof typeof FAILURE_STEP_LABELS] ??
              d.failure.step}
          </strong>
          <p>{d.failure.message}</p>
          <p>
            <strong>What to do:</strong> {d.failure.action}
          </p>
          {d.failure.detail && <p className="mono small">{d.failure.detail}</p>}
        </div>
      )}
      {d.setAside && (
        <div className="banner banner-info" role="status">
          <strong>Set aside by {d.setAside.by}</strong>
          <p className="words">{d.setAside.reason}</p>
          <p className="small">
            {formatTime(d.setAside.at)}. The batch can close without it; the manifest lists it as
            set aside with this reason.
          </p>
        </div>
      )}
      <dl className="facts">
        <dt>Device id (EK hash)</dt>
        <dd className="mono small">{d.row.deviceId}</dd>
        <dt>Maker / firmware</dt>
        <dd className="words">
          {identity.manufacturer ?? '—'} / {identity.firmwareVersion ?? '—'}
        </dd>
        <dt>Slot / TPM</dt>
        <dd>
          {d.row.slot} / <span className="mono small">{d.row.tpmName}</span>
        </dd>
        <dt>Operator</dt>
        <dd>{d.operator}</dd>
        <dt>EK</dt>
        <dd>
          {identity.ek?.type ?? '—'}{' '}
          {identity.ek?.certificatePem ? '(with certificate)' : '(no certificate)'}
        </dd>
        <dt>EK binding</dt>
        <dd className="small">{d.ekBinding ? JSON.stringify(d.ekBinding) : '—'}</dd>
        <dt>Member public key</dt>
        <dd>
          <Hex value={d.memberPk} label="Member public key" />
        </dd>
        <dt>Credential</dt>
        <dd>
          <Hex value={d.credential} label="Credential" />
        </dd>
        <dt>Self-test signature</dt>
        <dd>
          <Hex
            value={d.selftestSignature ? d.selftestSignature.slice(0, 128) : null}
            label="Self-test signature"
          />
        </dd>
      </dl>
      <h3>Journal</h3>
      <ol className="journal">
        {d.journal.map((j) => (
          <li key={j.id}>
            <span className="mono small">{new Date(j.at).toLocaleTimeString()}</span>{' '}
            <strong>{j.step}</strong> {j.phase}
          </li>
        ))}
      </ol>
    </aside>
  );
}

/** A journal step as words in a sentence ("writing NV memory"). */
function stepName(step: string): string {
  const label = FAILURE_STEP_LABELS[step as keyof typeof FAILURE_STEP_LABELS] ?? step;
  return label.charAt(0).toLowerCase() + label.slice(1);
}

/**
 * Asks for the reason a device is set aside (a TPM that is lost, or failed and will not be
 * tried again), inline in the device detail: the reason field takes the focus, Enter sets the
 * device aside, Escape cancels.
 */
function SetAsideForm({
  row,
  onCancel,
  onDone,
}: {
  row: DeviceListRow;
  onCancel: () => void;
  onDone: (view: DeviceDetailView) => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const descId = useId();
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      onDone(await call('devices.setAside', { rowId: row.rowId, reason }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="banner banner-warn"
      role="dialog"
      aria-labelledby={titleId}
      aria-describedby={descId}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <strong id={titleId}>Set device {row.deviceId.slice(0, 16)}… aside?</strong>
      <p id={descId}>
        Its record ends here ({row.status.replace('_', ' ')} at {stepName(row.step)}): the batch can
        close without it, and the manifest lists it as set aside with your reason. If the TPM turns
        up again, it is provisioned afresh.
      </p>
      <Field
        label="Reason for setting the device aside"
        hint="Recorded in the audit log and the manifest (up to 500 characters)."
      >
        {(id, describedBy) => (
          <input
            id={id}
            aria-describedby={describedBy}
            // The form opens on the operator's request, so the reason is what they type next.
            autoFocus
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        )}
      </Field>
      <ErrorBanner message={error} title="Not set aside" />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-danger" disabled={busy || !reason.trim()}>
          {busy ? 'Setting aside…' : 'Set device aside'}
        </button>
      </div>
    </form>
  );
}
