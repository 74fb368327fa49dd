import { useCallback, useEffect, useState } from 'react';
import type { AppStatus } from '../main/ipc-contract.ts';
import { call, errorMessage } from './api.ts';
import { ErrorBanner } from './components/ui.tsx';
import { AuditScreen } from './screens/Audit.tsx';
import { BatchDetailScreen } from './screens/BatchDetail.tsx';
import { BatchesScreen } from './screens/Batches.tsx';
import { ExportScreen } from './screens/Export.tsx';
import { FirstRunScreen } from './screens/FirstRun.tsx';
import { LabelsScreen } from './screens/Labels.tsx';
import { SettingsScreen } from './screens/Settings.tsx';
import { StationScreen } from './screens/Station.tsx';
import { UnlockScreen } from './screens/Unlock.tsx';

export type ScreenName = 'station' | 'batches' | 'labels' | 'export' | 'audit' | 'settings';

const NAV: { screen: ScreenName; label: string; key: string }[] = [
  { screen: 'station', label: 'Station', key: '1' },
  { screen: 'batches', label: 'Batches', key: '2' },
  { screen: 'labels', label: 'Labels', key: '3' },
  { screen: 'export', label: 'Export', key: '4' },
  { screen: 'audit', label: 'Audit log', key: '5' },
  { screen: 'settings', label: 'Settings', key: '6' },
];

/** What every screen gets: who is signed in, the batch in focus, and how to move on. */
export interface ScreenProps {
  status: AppStatus;
  batchId: string | null;
  selectBatch: (id: string | null) => void;
  go: (screen: ScreenName, batchId?: string) => void;
  openBatch: (id: string) => void;
}

export function App() {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [screen, setScreen] = useState<ScreenName>('station');
  const [batchId, setBatchId] = useState<string | null>(null);
  const [detail, setDetail] = useState<string | null>(null);

  const refresh = useCallback(() => {
    call('app.status', {})
      .then(setStatus)
      .catch((e) => setError(errorMessage(e)));
  }, []);
  useEffect(refresh, [refresh]);

  const go = useCallback((s: ScreenName, id?: string) => {
    setScreen(s);
    setDetail(null);
    if (id) setBatchId(id);
  }, []);

  // Alt+1…6 switch screens from anywhere: operators keep their hands on the keyboard.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      const item = NAV.find((n) => n.key === e.key);
      if (item) {
        e.preventDefault();
        go(item.screen);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  if (error) {
    return (
      <main className="center-page">
        <ErrorBanner title="The workstation did not start" message={error} />
      </main>
    );
  }
  if (!status) {
    return (
      <main className="center-page" aria-busy="true">
        <p className="muted">Starting…</p>
      </main>
    );
  }
  if (!status.initialized) return <FirstRunScreen status={status} onDone={setStatus} />;
  if (!status.unlocked) return <UnlockScreen status={status} onUnlocked={setStatus} />;

  const props: ScreenProps = {
    status,
    batchId,
    selectBatch: setBatchId,
    go,
    openBatch: (id) => {
      setBatchId(id);
      setDetail(id);
    },
  };
  const lock = () => {
    call('app.lock', {})
      .then(setStatus)
      .catch((e) => setError(errorMessage(e)));
  };

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ZTP
          </span>
          <span className="brand-name">Workstation</span>
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.screen}>
              <button
                type="button"
                className="nav-item"
                aria-current={screen === n.screen && !detail ? 'page' : undefined}
                aria-keyshortcuts={`Alt+${n.key}`}
                onClick={() => go(n.screen)}
              >
                {n.label}
              </button>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <p>
            <span className="muted">Signed in</span>
            <br />
            <strong>{status.operator}</strong> <span className="muted">({status.role})</span>
          </p>
          <button type="button" className="btn btn-ghost" onClick={lock}>
            Lock
          </button>
          <p className="muted small">v{status.version}</p>
        </div>
      </nav>
      <main className="content" id="content">
        {detail ? (
          <BatchDetailScreen {...props} batchId={detail} onBack={() => setDetail(null)} />
        ) : screen === 'station' ? (
          <StationScreen {...props} />
        ) : screen === 'batches' ? (
          <BatchesScreen {...props} />
        ) : screen === 'labels' ? (
          <LabelsScreen {...props} />
        ) : screen === 'export' ? (
          <ExportScreen {...props} />
        ) : screen === 'audit' ? (
          <AuditScreen {...props} />
        ) : (
          <SettingsScreen {...props} />
        )}
      </main>
    </div>
  );
}
