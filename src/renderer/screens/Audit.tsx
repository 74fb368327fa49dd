import { useCallback, useEffect, useState } from 'react';
import type { AuditChainResult, AuditEntry } from '../../main/ipc-contract.ts';
import type { ScreenProps } from '../App.tsx';
import { call, errorMessage, useEvent } from '../api.ts';
import { ErrorBanner, Notice, PageHeader, formatTime } from '../components/ui.tsx';

const PAGE = 100;

/** The hash-chained audit log, newest first, with search and a chain check. */
export function AuditScreen(_props: ScreenProps) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [search, setSearch] = useState('');
  const [chain, setChain] = useState<AuditChainResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    call('audit.list', { beforeSeq: null, limit: PAGE, search })
      .then((r) => {
        setEntries(r.entries);
        setTotal(r.total);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [search]);
  useEffect(load, [load]);
  useEvent('changed', (c) => {
    if (c.what === 'audit') load();
  });
  const more = () => {
    const last = entries[entries.length - 1];
    if (!last) return;
    call('audit.list', { beforeSeq: last.seq, limit: PAGE, search })
      .then((r) => setEntries((e) => [...e, ...r.entries]))
      .catch((e) => setError(errorMessage(e)));
  };
  const verify = () => {
    call('audit.verify', {})
      .then(setChain)
      .catch((e) => setError(errorMessage(e)));
  };

  return (
    <section aria-labelledby="audit-title">
      <PageHeader
        title="Audit log"
        subtitle="Every action on this workstation, each event chained to the one before by its hash."
        actions={
          <button type="button" className="btn btn-primary" onClick={verify}>
            Verify the chain
          </button>
        }
      />
      <h2 id="audit-title" className="sr-only">
        Audit log
      </h2>
      <ErrorBanner message={error} />
      {chain &&
        (chain.ok ? (
          <Notice tone="ok" title="The audit chain is intact">
            <p>All {chain.count} events are in order and unchanged.</p>
          </Notice>
        ) : (
          <div className="banner banner-error" role="alert">
            <strong>The audit chain is broken at event {chain.seq}</strong>
            <p>{chain.reason}. Keep this workstation as it is and call the security officer.</p>
          </div>
        ))}
      <div className="filters" role="search">
        <input
          type="search"
          aria-label="Search the audit log"
          placeholder="Search actor, action, batch, details"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <span className="muted small" aria-live="polite">
          {total} events
        </span>
      </div>
      <table className="table" aria-label="Audit events">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Batch</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td className="num">{e.seq}</td>
              <td className="small">{formatTime(e.at)}</td>
              <td>{e.actor}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td className="mono small">{e.batchId?.slice(0, 8) ?? '—'}</td>
              <td className="small details">{e.details === '{}' ? '' : e.details}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length > 0 && entries[entries.length - 1]!.seq > 1 && entries.length < total && (
        <button type="button" className="btn" onClick={more}>
          Show older events
        </button>
      )}
    </section>
  );
}
