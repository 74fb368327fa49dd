import { useState, type FormEvent } from 'react';
import type { AppStatus, FacilityKeyView } from '../../main/ipc-contract.ts';
import { call, errorMessage } from '../api.ts';
import { ErrorBanner, Field } from '../components/ui.tsx';

/** First run: where the data lives, the workstation passphrase, the first supervisor and the facility key. */
export function FirstRunScreen({
  status,
  onDone,
}: {
  status: AppStatus;
  onDone: (s: AppStatus) => void;
}) {
  const [supervisor, setSupervisor] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ status: AppStatus; key: FacilityKeyView } | null>(null);
  const [written, setWritten] = useState(false);

  const tooShort = passphrase.length > 0 && [...passphrase].length < 8;
  const mismatch = confirm.length > 0 && confirm !== passphrase;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!supervisor.trim() || [...passphrase].length < 8 || confirm !== passphrase) {
      setError(
        'Fill in every field: a supervisor name and the same passphrase (8 characters or more) twice.',
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await call('app.init', { supervisor: supervisor.trim(), passphrase });
      setDone({ status: r.status, key: r.facilityKey });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <main className="center-page">
        <section className="card card-wide" aria-labelledby="fk-title">
          <h1 id="fk-title">Write down the facility key</h1>
          <p>
            Manifests exported from this workstation are signed with this key. Whoever receives them
            checks the signature against this fingerprint, so write it down now and give it to them
            on paper.
          </p>
          <p className="fingerprint" aria-label="Facility key fingerprint">
            {done.key.fingerprint}
          </p>
          <label className="check">
            <input
              type="checkbox"
              checked={written}
              onChange={(e) => setWritten(e.target.checked)}
            />{' '}
            I have written the fingerprint down
          </label>
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-primary btn-large"
              disabled={!written}
              onClick={() => onDone(done.status)}
            >
              Continue to the workstation
            </button>
          </div>
        </section>
      </main>
    );
  }

  return (
    <main className="center-page">
      <form className="card card-wide" onSubmit={submit} aria-labelledby="setup-title" noValidate>
        <h1 id="setup-title">Set up this workstation</h1>
        <p className="muted">
          This happens once. Everything stays on this computer; nothing goes over a network.
        </p>
        {/* Shown, not edited: the main process opens the data folder before this window exists
            (app.init takes no folder), so a different one is chosen when the app starts. */}
        <div className="field">
          <span className="field-label" id="data-dir-label">
            Data folder
          </span>
          <p
            className="data-dir mono"
            aria-labelledby="data-dir-label"
            aria-describedby="data-dir-hint"
          >
            {status.dataDir}
          </p>
          <p className="hint" id="data-dir-hint">
            The database, sealed keys and label files live here: include it in the workstation's
            backups. To use another folder, quit and start the app with{' '}
            <code>ZTP_DATA_DIR=/path/to/folder</code>.
          </p>
        </div>
        <Field
          label="First supervisor's name"
          hint="Supervisors create and close batches and add operators."
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={supervisor}
              autoComplete="off"
              onChange={(e) => setSupervisor(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <Field
          label="Workstation passphrase"
          hint="At least 8 characters. It protects the batch keys and the facility key; without it they cannot be opened."
          error={tooShort ? 'The passphrase needs at least 8 characters.' : null}
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="password"
              value={passphrase}
              autoComplete="new-password"
              onChange={(e) => setPassphrase(e.target.value)}
            />
          )}
        </Field>
        <Field label="Passphrase again" error={mismatch ? 'The two passphrases differ.' : null}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="password"
              value={confirm}
              autoComplete="new-password"
              onChange={(e) => setConfirm(e.target.value)}
            />
          )}
        </Field>
        <ErrorBanner message={error} title="Set-up did not finish" />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary btn-large" disabled={busy}>
            {busy ? 'Creating keys…' : 'Create workstation and facility key'}
          </button>
        </div>
      </form>
    </main>
  );
}
