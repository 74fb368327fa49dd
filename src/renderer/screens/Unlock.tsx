import { useState, type FormEvent } from 'react';
import type { AppStatus } from '../../main/ipc-contract.ts';
import { ApiError, call, errorMessage } from '../api.ts';
import { ErrorBanner, Field } from '../components/ui.tsx';

/** Unlock on every start: who is at the workstation, and the workstation passphrase. */
export function UnlockScreen({
  status,
  onUnlocked,
}: {
  status: AppStatus;
  onUnlocked: (s: AppStatus) => void;
}) {
  const [operator, setOperator] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onUnlocked(await call('app.unlock', { operator: operator.trim(), passphrase }));
    } catch (err) {
      const wrong = err instanceof ApiError && err.code === 'wrong-passphrase';
      setError({ title: wrong ? 'Wrong passphrase' : 'Not unlocked', message: errorMessage(err) });
      setPassphrase('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="center-page">
      <form className="card" onSubmit={submit} aria-labelledby="unlock-title">
        <h1 id="unlock-title">Unlock the workstation</h1>
        <p className="muted small mono">Station {status.stationId?.slice(0, 8)}</p>
        <Field label="Your name">
          {(id) => (
            <input
              id={id}
              value={operator}
              autoComplete="username"
              onChange={(e) => setOperator(e.target.value)}
              autoFocus
              required
            />
          )}
        </Field>
        <Field label="Workstation passphrase">
          {(id) => (
            <input
              id={id}
              type="password"
              value={passphrase}
              autoComplete="current-password"
              onChange={(e) => setPassphrase(e.target.value)}
              required
            />
          )}
        </Field>
        {error && <ErrorBanner title={error.title} message={error.message} />}
        <div className="form-actions">
          <button
            type="submit"
            className="btn btn-primary btn-large"
            disabled={busy || !operator.trim() || !passphrase}
          >
            {busy ? 'Unlocking…' : 'Unlock'}
          </button>
        </div>
      </form>
    </main>
  );
}
