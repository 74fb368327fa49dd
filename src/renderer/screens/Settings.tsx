import { useEffect, useState } from 'react';
import type { FacilityKeyView, PrinterView, SettingsView } from '../../main/ipc-contract.ts';
import type { ScreenProps } from '../App.tsx';
import { call, errorMessage } from '../api.ts';
import { ErrorBanner, Field, Notice, PageHeader, formatTime } from '../components/ui.tsx';

/** Settings: TPM endpoints and the simulated fixture, printers, the EK CA trust store; facility keys. */
export function SettingsScreen(props: ScreenProps) {
  const [s, setS] = useState<SettingsView | null>(null);
  const [endpoints, setEndpoints] = useState('');
  const [simulated, setSimulated] = useState('0');
  const [trust, setTrust] = useState('');
  const [printer, setPrinter] = useState('');
  const [printers, setPrinters] = useState<PrinterView[]>([]);
  const [keys, setKeys] = useState<FacilityKeyView[]>([]);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const canEdit = props.status.role === 'supervisor';

  useEffect(() => {
    call('settings.get', {})
      .then((v) => {
        setS(v);
        setEndpoints(v.tpmEndpoints.join('\n'));
        setSimulated(String(v.simulatedSlots));
        setTrust(v.ekTrustStoreDir);
        setPrinter(v.defaultPrinter ?? '');
      })
      .catch((e) => setError(errorMessage(e)));
    call('labels.printers', {})
      .then(setPrinters)
      .catch(() => undefined);
    call('app.facilityKeys', {})
      .then(setKeys)
      .catch(() => undefined);
  }, []);

  const save = async () => {
    setError(null);
    setSaved(false);
    const n = Number(simulated);
    if (!Number.isInteger(n) || n < 0 || n > 64) {
      setError('The simulated fixture has 0 to 64 slots.');
      return;
    }
    try {
      setS(
        await call('settings.set', {
          tpmEndpoints: endpoints
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean),
          simulatedSlots: n,
          ekTrustStoreDir: trust.trim(),
          defaultPrinter: printer || null,
        }),
      );
      setSaved(true);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-labelledby="settings-title">
      <PageHeader
        title="Settings"
        subtitle={canEdit ? undefined : 'Only a supervisor can change settings.'}
      />
      <h2 id="settings-title" className="sr-only">
        Settings
      </h2>
      <ErrorBanner message={error} title="Settings not saved" />
      {saved && <Notice tone="ok" title="Settings saved" />}
      <div className="labels-grid">
        <fieldset className="card" disabled={!canEdit}>
          <legend>TPM slots</legend>
          <Field
            label="TPM endpoints"
            hint="One per line: device:/dev/tpmrm0 for a TPM in this computer, swtpm:tcp://HOST:PORT or swtpm:unix:/PATH for a TPM simulator (swtpm)."
          >
            {(id, d) => (
              <textarea
                id={id}
                aria-describedby={d}
                className="mono"
                rows={5}
                value={endpoints}
                onChange={(e) => setEndpoints(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Simulated fixture slots"
            hint="Software TPMs for training and tests (0 = off)."
          >
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                inputMode="numeric"
                value={simulated}
                onChange={(e) => setSimulated(e.target.value)}
              />
            )}
          </Field>
        </fieldset>
        <fieldset className="card" disabled={!canEdit}>
          <legend>Trust and printing</legend>
          <Field
            label="EK CA trust store folder"
            hint="Folder of PEM files with the TPM vendors’ CA certificates."
          >
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                className="mono"
                value={trust}
                onChange={(e) => setTrust(e.target.value)}
              />
            )}
          </Field>
          <Field label="Default label printer">
            {(id) => (
              <select id={id} value={printer} onChange={(e) => setPrinter(e.target.value)}>
                <option value="">Ask every time</option>
                {printers.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.description}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <p className="small muted">
            Label files are kept in <span className="mono">{s?.labelOutputDir}</span>
          </p>
        </fieldset>
        <div className="card">
          <h3>Facility keys</h3>
          <ul className="plain">
            {keys.map((k) => (
              <li key={k.thumbprint}>
                <span className="mono">{k.fingerprint}</span>
                <br />
                <span className="small muted">
                  created {formatTime(k.createdAt)}
                  {k.retiredAt ? `, retired ${formatTime(k.retiredAt)}` : ' · active'}
                </span>
              </li>
            ))}
          </ul>
        </div>
      </div>
      {canEdit && (
        <div className="form-actions">
          <button type="button" className="btn btn-primary btn-large" onClick={() => void save()}>
            Save settings
          </button>
        </div>
      )}
    </section>
  );
}
