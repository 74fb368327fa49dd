import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { BatchView, ProfileView } from '../../main/ipc-contract.ts';
import type { ScreenProps } from '../App.tsx';
import { call, errorMessage, useEvent } from '../api.ts';
import {
  ErrorBanner,
  Field,
  PageHeader,
  ProgressBar,
  StatusBadge,
  formatTime,
} from '../components/ui.tsx';

export function useBatches(): {
  batches: BatchView[] | null;
  error: string | null;
  reload: () => void;
} {
  const [batches, setBatches] = useState<BatchView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    call('batches.list', {})
      .then((b) => {
        setBatches(b);
        setError(null);
      })
      .catch((e) => setError(errorMessage(e)));
  }, []);
  useEffect(reload, [reload]);
  useEvent('changed', (c) => {
    if (c.what === 'batches') reload();
  });
  return { batches, error, reload };
}

export function BatchesScreen(props: ScreenProps) {
  const { batches, error, reload } = useBatches();
  const [creating, setCreating] = useState(false);
  const canCreate = props.status.role === 'supervisor';

  if (creating) {
    return (
      <NewBatchForm
        onCancel={() => setCreating(false)}
        onCreated={(b) => {
          setCreating(false);
          reload();
          props.selectBatch(b.id);
        }}
      />
    );
  }

  return (
    <section aria-labelledby="batches-title">
      <PageHeader
        title="Batches"
        subtitle="Each batch is one group key: every TPM in it gets its own credential under that key."
        actions={
          canCreate && (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              New batch
            </button>
          )
        }
      />
      <ErrorBanner message={error} />
      {batches && batches.length === 0 && (
        <div className="empty">
          <p>No batches yet.</p>
          {canCreate ? (
            <p>Create the first one with “New batch”.</p>
          ) : (
            <p>Ask a supervisor to create one.</p>
          )}
        </div>
      )}
      {batches && batches.length > 0 && (
        <table className="table" aria-label="Batches">
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Status</th>
              <th scope="col">Provisioned</th>
              <th scope="col">Failed</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {batches.map((b) => (
              <tr key={b.id} aria-selected={props.batchId === b.id}>
                <th scope="row">
                  <span className="cell-title">{b.name}</span>
                  <span className="muted small">
                    {b.product || '—'} ·{' '}
                    <span className="mono">{b.gpkFingerprint.slice(0, 19)}</span>
                  </span>
                </th>
                <td>
                  <StatusBadge status={b.status} />
                </td>
                <td className="num">{b.counts.provisioned}</td>
                <td className="num">{b.counts.failed}</td>
                <td className="cell-progress">
                  {b.targetCount ? (
                    <>
                      <ProgressBar
                        value={b.counts.provisioned}
                        max={b.targetCount}
                        label={`${b.name} progress`}
                      />
                      <span className="small muted">
                        {b.counts.provisioned} of {b.targetCount}
                      </span>
                    </>
                  ) : (
                    <span className="muted small">no target</span>
                  )}
                </td>
                <td className="small">{formatTime(b.createdAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="btn"
                    onClick={() => props.openBatch(b.id)}
                    aria-label={`Open batch ${b.name}`}
                  >
                    Open
                  </button>
                  {b.status === 'open' && (
                    <button
                      type="button"
                      className="btn btn-primary"
                      onClick={() => props.go('station', b.id)}
                      aria-label={`Provision batch ${b.name}`}
                    >
                      Provision
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface FormState {
  name: string;
  product: string;
  basename: string;
  profile: string;
  ekPolicy: 'require' | 'warn' | 'off';
  rootId: string;
  rootPublicKey: string;
  targetCount: string;
}

/** Client-side checks mirror the contract's, so mistakes show next to the field at once. */
export function validateNewBatch(f: FormState): Partial<Record<keyof FormState, string>> {
  const errors: Partial<Record<keyof FormState, string>> = {};
  if (!f.name.trim()) errors.name = 'Give the batch a name (e.g. the order number).';
  else if (f.name.trim().length > 120) errors.name = 'At most 120 characters.';
  if (new TextEncoder().encode(f.basename).length > 1024)
    errors.basename = 'At most 1024 bytes (the XTT client’s buffer).';
  if (f.rootId && !/^[0-9a-fA-F]{32}$/.test(f.rootId.trim()))
    errors.rootId = 'The root id is 32 hex digits.';
  if (!!f.rootId.trim() !== !!f.rootPublicKey.trim()) {
    errors.rootPublicKey = 'Give both the root id and the root public key, or neither.';
  }
  if (f.targetCount && !/^[1-9]\d{0,7}$/.test(f.targetCount.trim()))
    errors.targetCount = 'A whole number of at least 1.';
  return errors;
}

function NewBatchForm({
  onCancel,
  onCreated,
}: {
  onCancel: () => void;
  onCreated: (b: BatchView) => void;
}) {
  const [profiles, setProfiles] = useState<ProfileView[]>([]);
  const [f, setF] = useState<FormState>({
    name: '',
    product: '',
    basename: '',
    profile: 'xtt-platform',
    ekPolicy: 'warn',
    rootId: '',
    rootPublicKey: '',
    targetCount: '',
  });
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('batches.profiles', {})
      .then(setProfiles)
      .catch((e) => setError(errorMessage(e)));
  }, []);
  const errors = touched ? validateNewBatch(f) : {};
  const set = (k: keyof FormState) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const profile = profiles.find((p) => p.name === f.profile);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(validateNewBatch(f)).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const b = await call('batches.create', {
        name: f.name.trim(),
        product: f.product.trim(),
        basename: f.basename,
        profile: f.profile,
        ekPolicy: f.ekPolicy,
        rootId: f.rootId.trim(),
        rootPublicKey: f.rootPublicKey.trim(),
        targetCount: f.targetCount ? Number(f.targetCount) : null,
      });
      onCreated(b);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form-page" onSubmit={submit} aria-labelledby="new-batch-title" noValidate>
      <PageHeader
        title="New batch"
        subtitle="A fresh group key pair is made for the batch; its secret half is sealed on this workstation."
      />
      <h2 id="new-batch-title" className="sr-only">
        New batch
      </h2>
      <div className="form-grid">
        <Field label="Batch name" error={errors.name}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              aria-invalid={!!errors.name}
              value={f.name}
              onChange={set('name')}
              autoFocus
            />
          )}
        </Field>
        <Field label="Product" hint="Optional: what the TPMs go into.">
          {(id, d) => (
            <input id={id} aria-describedby={d} value={f.product} onChange={set('product')} />
          )}
        </Field>
        <Field
          label="Layout profile"
          hint={profile ? `${profile.description}. ${profile.clientNote}` : undefined}
        >
          {(id, d) => (
            <select id={id} aria-describedby={d} value={f.profile} onChange={set('profile')}>
              {profiles.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="EK certificate policy"
          hint="Require: refuse TPMs whose EK certificate does not chain to a trusted vendor CA. Warn: provision and record it."
        >
          {(id, d) => (
            <select id={id} aria-describedby={d} value={f.ekPolicy} onChange={set('ekPolicy')}>
              <option value="require">Require a trusted EK certificate</option>
              <option value="warn">Warn and record</option>
              <option value="off">Do not check</option>
            </select>
          )}
        </Field>
        <Field
          label="Basename"
          hint="Text the devices sign with; leave empty for 32 random bytes."
          error={errors.basename}
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              aria-invalid={!!errors.basename}
              value={f.basename}
              onChange={set('basename')}
            />
          )}
        </Field>
        <Field
          label="Target count"
          hint="Optional: how many TPMs the batch should have."
          error={errors.targetCount}
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              aria-invalid={!!errors.targetCount}
              inputMode="numeric"
              value={f.targetCount}
              onChange={set('targetCount')}
            />
          )}
        </Field>
        <Field
          label="Root certificate id"
          hint="Optional: 32 hex digits from the customer’s network."
          error={errors.rootId}
        >
          {(id, d) => (
            <input
              id={id}
              className="mono"
              aria-describedby={d}
              aria-invalid={!!errors.rootId}
              value={f.rootId}
              onChange={set('rootId')}
            />
          )}
        </Field>
        <Field
          label="Root public key"
          hint="PEM “PUBLIC KEY” block or 130 hex digits."
          error={errors.rootPublicKey}
        >
          {(id, d) => (
            <textarea
              id={id}
              className="mono"
              rows={3}
              aria-describedby={d}
              aria-invalid={!!errors.rootPublicKey}
              value={f.rootPublicKey}
              onChange={set('rootPublicKey')}
            />
          )}
        </Field>
      </div>
      <ErrorBanner message={error} title="The batch was not created" />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary btn-large" disabled={busy}>
          {busy ? 'Creating the group key…' : 'Create batch'}
        </button>
      </div>
    </form>
  );
}
