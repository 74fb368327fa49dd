/** Small pure building blocks shared by the screens (props in, markup out). */
import { useId, type ReactNode } from 'react';

export function Field(props: {
  label: string;
  hint?: string;
  error?: string | null;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errId = props.error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={props.error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="field-error" id={errId} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

export function ErrorBanner({
  message,
  title = 'Something went wrong',
}: {
  message: string | null;
  title?: string;
}) {
  if (!message) return null;
  return (
    <div className="banner banner-error" role="alert">
      <strong>{title}</strong>
      <p>{message}</p>
    </div>
  );
}

export function Notice({
  tone,
  title,
  children,
}: {
  tone: 'ok' | 'warn' | 'info';
  title: string;
  children?: ReactNode;
}) {
  return (
    <div className={`banner banner-${tone}`} role="status">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={`${pct}%`}
    >
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

const STATUS_TEXT: Record<string, string> = {
  open: 'Open',
  closed: 'Closed',
  exported: 'Exported',
  in_progress: 'In progress',
  provisioned: 'Provisioned',
  failed: 'Failed',
  rolled_back: 'Rolled back',
  set_aside: 'Set aside',
  waiting: 'Waiting',
  working: 'Working',
  skipped: 'Skipped',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{STATUS_TEXT[status] ?? status}</span>;
}

export function PageHeader({
  title,
  subtitle,
  actions,
}: {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function Stat({ label, value, tone }: { label: string; value: ReactNode; tone?: string }) {
  return (
    <div className={`stat ${tone ? `stat-${tone}` : ''}`}>
      <span className="stat-value">{value}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

/** Long hex in groups, wrapped, selectable. */
export function Hex({ value, label }: { value: string | null; label: string }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <code className="hex" aria-label={label}>
      {value.match(/.{1,8}/g)!.join(' ')}
    </code>
  );
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
