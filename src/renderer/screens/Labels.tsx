import { Html5Qrcode, Html5QrcodeSupportedFormats } from 'html5-qrcode';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type {
  LabelCheck,
  LabelPreview,
  LabelTemplateView,
  PrinterView,
  PrintResult,
} from '../../main/ipc-contract.ts';
import type { ScreenProps } from '../App.tsx';
import { call, errorMessage } from '../api.ts';
import { ErrorBanner, Field, Notice, PageHeader } from '../components/ui.tsx';
import { useBatches } from './Batches.tsx';

/** Labels: preview, printer, print or reprint with a reason, and camera read-back. */
export function LabelsScreen(props: ScreenProps) {
  const { batches } = useBatches();
  const list = batches ?? [];
  const batch = list.find((b) => b.id === props.batchId) ?? list[0];
  const [preview, setPreview] = useState<LabelPreview | null>(null);
  const [templates, setTemplates] = useState<LabelTemplateView[]>([]);
  const [templateName, setTemplateName] = useState('');
  const [printers, setPrinters] = useState<PrinterView[]>([]);
  const [printer, setPrinter] = useState('');
  const [copies, setCopies] = useState('1');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  // The print result names its batch: it is shown only while that batch is the one on screen.
  const [printed, setPrinted] = useState<(PrintResult & { batchId: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);

  const shownId = batch?.id;
  // Answers that arrive after the operator chose another batch or template are dropped.
  const shownRef = useRef({ batchId: shownId, template: templateName });
  shownRef.current = { batchId: shownId, template: templateName };
  const loadPreview = useCallback(() => {
    if (!shownId || !templateName) return;
    const shown = () =>
      shownRef.current.batchId === shownId && shownRef.current.template === templateName;
    call('labels.preview', { batchId: shownId, template: templateName })
      .then((p) => {
        if (shown()) setPreview(p);
      })
      .catch((e) => {
        if (shown()) setError(errorMessage(e));
      });
  }, [shownId, templateName]);
  useEffect(loadPreview, [loadPreview]);
  // Another batch or template: nothing of the last one's print (result, error, preview) stays.
  useEffect(() => {
    setPrinted(null);
    setError(null);
    setPreview(null);
  }, [shownId, templateName]);
  useEffect(() => {
    setReason('');
  }, [shownId]);
  useEffect(() => {
    call('labels.templates', {})
      .then((t) => {
        setTemplates(t);
        setTemplateName((cur) => cur || (t.find((x) => x.isDefault) ?? t[0])?.name || '');
      })
      .catch((e) => setError(errorMessage(e)));
  }, []);
  useEffect(() => {
    call('labels.printers', {})
      .then((p) => {
        setPrinters(p);
        setPrinter((cur) => cur || (p.find((x) => x.isDefault) ?? p[0])?.name || '');
      })
      .catch((e) => setError(errorMessage(e)));
  }, []);

  const isReprint = (preview?.printed ?? 0) > 0;
  const shownPrint = printed?.batchId === batch?.id ? printed : null;
  const template = templates.find((t) => t.name === templateName);
  const print = async () => {
    if (!batch || !preview) return;
    const batchId = batch.id;
    setBusy(true);
    setError(null);
    setPrinted(null);
    try {
      const result = await call('labels.print', {
        batchId,
        template: preview.template,
        printer,
        copies: Number(copies) || 1,
        reprintReason: reason,
      });
      setPrinted({ ...result, batchId });
      if (shownRef.current.batchId !== batchId) return;
      setReason('');
      loadPreview();
    } catch (e) {
      if (shownRef.current.batchId === batchId) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="labels-title">
      <PageHeader
        title="Labels"
        subtitle="The batch label carries the group public key as a QR code for the customer to scan."
        actions={
          <label className="inline-select">
            <span>Batch</span>
            <select
              aria-label="Batch for labels"
              value={batch?.id ?? ''}
              onChange={(e) => props.selectBatch(e.target.value)}
            >
              {list.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </label>
        }
      />
      <h2 id="labels-title" className="sr-only">
        Labels
      </h2>
      <ErrorBanner message={error} title="Label problem" />
      <div className="labels-grid">
        <div className="card">
          <h3>Preview</h3>
          <Field
            label="Label template"
            hint={
              template &&
              `${template.description}${template.kind === 'device' ? '; one label per provisioned device' : ''}.`
            }
          >
            {(id, describedBy) => (
              <select
                id={id}
                aria-describedby={describedBy}
                value={templateName}
                onChange={(e) => setTemplateName(e.target.value)}
              >
                {templates.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {preview ? (
            <figure className="label-preview">
              <img
                src={preview.pngDataUrl}
                alt={`Label for batch ${batch?.name} (${preview.template})`}
              />
              <figcaption className="small muted">
                {preview.template} · {preview.widthMm} × {preview.heightMm} mm
                {preview.labels > 1 && <> · first of {preview.labels} labels</>} · printed{' '}
                {preview.printed} time
                {preview.printed === 1 ? '' : 's'}
              </figcaption>
            </figure>
          ) : (
            <p className="muted">{batch ? 'Loading the preview…' : 'Choose a batch.'}</p>
          )}
        </div>
        <div className="card">
          <h3>{isReprint ? 'Reprint' : 'Print'}</h3>
          <Field label="Printer">
            {(id) => (
              <select id={id} value={printer} onChange={(e) => setPrinter(e.target.value)}>
                {printers.length === 0 && <option value="">No printer found</option>}
                {printers.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.description}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Copies">
            {(id) => (
              <input
                id={id}
                inputMode="numeric"
                value={copies}
                onChange={(e) => setCopies(e.target.value)}
              />
            )}
          </Field>
          {isReprint && (
            <Field
              label="Reason for the reprint"
              hint="Recorded in the audit log. Reprints need a supervisor."
            >
              {(id, d) => (
                <input
                  id={id}
                  aria-describedby={d}
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                />
              )}
            </Field>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-primary btn-large"
              disabled={busy || !printer || !preview || (isReprint && !reason.trim())}
              onClick={() => void print()}
            >
              {busy ? 'Printing…' : isReprint ? 'Reprint label' : 'Print label'}
            </button>
          </div>
          {shownPrint && batch && (
            <Notice tone="ok" title={shownPrint.reprint ? 'Label reprinted' : 'Label printed'}>
              <p>
                {shownPrint.copies} cop{shownPrint.copies === 1 ? 'y' : 'ies'} of the{' '}
                {shownPrint.template} label{shownPrint.labels === 1 ? '' : 's'} for{' '}
                <strong>{batch.name}</strong> sent to {shownPrint.printer}
                {shownPrint.labels > 1 && <> ({shownPrint.labels} labels each)</>}. Now read the
                printed label back with the camera.
              </p>
            </Notice>
          )}
        </div>
        {batch && <ReadBack batchId={batch.id} batchName={batch.name} />}
      </div>
    </section>
  );
}

/** Reads a printed label with the camera and says, large, whether it belongs to this batch. */
function ReadBack({ batchId, batchName }: { batchId: string; batchName: string }) {
  const regionId = useId().replace(/:/g, '');
  const scanner = useRef<Html5Qrcode | null>(null);
  const [scanning, setScanning] = useState(false);
  const [check, setCheck] = useState<LabelCheck | null>(null);
  const [error, setError] = useState<string | null>(null);

  const stop = useCallback(async () => {
    const s = scanner.current;
    scanner.current = null;
    setScanning(false);
    if (s?.isScanning) await s.stop().catch(() => undefined);
    s?.clear();
  }, []);
  useEffect(() => () => void stop(), [stop]);
  useEffect(() => {
    setCheck(null);
  }, [batchId]);

  const start = async () => {
    setError(null);
    setCheck(null);
    try {
      // QR only: with every format on, the 1-D readers now and then "find" a barcode in the
      // QR code's modules and report digits as the label.
      const s = new Html5Qrcode(regionId, {
        verbose: false,
        formatsToSupport: [Html5QrcodeSupportedFormats.QR_CODE],
      });
      scanner.current = s;
      setScanning(true);
      let done = false;
      await s.start(
        { facingMode: 'environment' },
        { fps: 10, qrbox: { width: 280, height: 280 } },
        (text) => {
          if (done) return;
          done = true;
          void stop();
          call('labels.check', { batchId, read: text })
            .then(setCheck)
            .catch((e) => setError(errorMessage(e)));
        },
        () => undefined,
      );
    } catch (e) {
      setScanning(false);
      setError(
        `The camera did not start (${errorMessage(e)}). Check that it is connected and not used by another program.`,
      );
    }
  };

  return (
    <div className="card readback">
      <h3>Read back the printed label</h3>
      <p className="small muted">Hold the printed label in front of the camera.</p>
      <div id={regionId} className="camera" aria-label="Camera view" role="img" />
      <div className="form-actions">
        {scanning ? (
          <button type="button" className="btn" onClick={() => void stop()}>
            Stop camera
          </button>
        ) : (
          <button type="button" className="btn btn-primary btn-large" onClick={() => void start()}>
            Scan label with camera
          </button>
        )}
      </div>
      <ErrorBanner message={error} title="Read-back problem" />
      {check && (
        <div
          className={`verdict ${check.match ? 'verdict-ok' : 'verdict-bad'}`}
          role="alert"
          aria-label={check.match ? 'Label matches' : 'Label mismatch'}
        >
          <span className="verdict-word">{check.match ? 'MATCH' : 'MISMATCH'}</span>
          <p>{check.message}</p>
          {!check.match && <p className="small">Expected batch: {batchName}</p>}
        </div>
      )}
    </div>
  );
}
