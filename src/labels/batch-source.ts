// Where the label commands get a batch's details, who may print it, and where their audit
// events go. Every `ztp label` and `ztp print` command resolves `--batch ID` through
// resolveLabelBatch; `ztp print` checks a store batch's print with checkStoreLabelPrint and
// reports prints through labelAuditSink. The details come from the workstation's store
// (`--batch ID`, with `--data-dir`), or, for a batch made elsewhere, from explicit flags
// (`--gpk`, `--name`), which no audit trail but `--audit-log` covers.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../cli/args.ts';
import { requireBatch } from '../engine/batches.ts';
import { labelInfoFor, labelPrints, recordLabelPrint } from '../engine/labels.ts';
import { Workstation, defaultDataDir } from '../engine/workstation.ts';
import type { Role } from '../store/store.ts';
import type { LabelAuditEvent } from './audit.ts';
import type { KnownBatch } from './readback.ts';
import { GPK_LENGTH } from './payload.ts';
import type { LabelInfo } from './types.ts';

/** parseArgs options every batch-reading command accepts. */
export const BATCH_SOURCE_OPTIONS = {
  batch: { type: 'string' },
  'data-dir': { type: 'string' },
  'batch-id': { type: 'string' },
  gpk: { type: 'string' },
  name: { type: 'string' },
  product: { type: 'string' },
  devices: { type: 'string' },
  'device-ids': { type: 'string' },
  facility: { type: 'string' },
  date: { type: 'string' },
} as const;

export const BATCH_SOURCE_USAGE =
  '--batch ID [--data-dir DIR] | --batch ID --gpk FILE --name NAME [--devices N] [--device-ids FILE] [--facility TEXT] [--product TEXT] [--date ISO]';

export interface BatchSourceValues {
  batch?: string;
  'data-dir'?: string;
  'batch-id'?: string;
  gpk?: string;
  name?: string;
  product?: string;
  devices?: string;
  'device-ids'?: string;
  facility?: string;
  date?: string;
}

/** Reads a GPK file: 258 raw bytes (Xaptum's gpk.bin) or the same as hex text. */
export function readGpkFile(file: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(
      `cannot read GPK file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (bytes.length === GPK_LENGTH) return bytes;
  const text = new TextDecoder().decode(bytes).trim();
  if (/^[0-9a-fA-F]+$/.test(text) && text.length === GPK_LENGTH * 2)
    return new Uint8Array(Buffer.from(text, 'hex'));
  throw new UsageError(
    `GPK file ${file} holds ${bytes.length} bytes; expected ${GPK_LENGTH} raw bytes or ${GPK_LENGTH * 2} hex digits`,
  );
}

function readDeviceIds(file: string): { deviceId: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read device id file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((id, i) => {
      if (!/^[0-9a-fA-F]{64}$/.test(id)) {
        throw new UsageError(
          `${file} line ${i + 1}: a device id is 64 hex digits, got '${id.slice(0, 70)}'`,
        );
      }
      return { deviceId: id.toLowerCase() };
    });
}

/**
 * True when the flags name a batch of this workstation's store (`--batch ID` alone), false for
 * a batch made elsewhere and described by `--gpk` and `--name`.
 */
export function isStoreBatch(values: BatchSourceValues): boolean {
  return !values.gpk && !values.name;
}

/** The batch a label command works on, from `--batch ID` and the detail flags. */
export async function resolveLabelBatch(
  values: BatchSourceValues,
  usage: string,
): Promise<LabelInfo> {
  const batchId = values.batch ?? values['batch-id'];
  if (values.batch && values['batch-id'] && values.batch !== values['batch-id']) {
    throw new UsageError(
      `--batch ${values.batch} and --batch-id ${values['batch-id']} disagree`,
      usage,
    );
  }
  if (!batchId) throw new UsageError('missing --batch ID', usage);
  if (isStoreBatch(values)) {
    const dataDir = values['data-dir'] ?? defaultDataDir();
    // Never create a store just to find that the batch is not in it.
    if (!existsSync(path.join(dataDir, 'ztp.db'))) {
      throw new UsageError(
        `batch ${batchId}: there is no workstation store in ${dataDir} (give --data-dir DIR); ` +
          'for a batch made elsewhere, pass --gpk FILE and --name NAME',
        usage,
      );
    }
    const ws = Workstation.open(dataDir);
    try {
      return labelInfoFor(ws, requireBatch(ws, batchId), { withDevices: true });
    } finally {
      ws.close();
    }
  }
  if (!values.gpk || !values.name) {
    throw new UsageError(
      `batch ${batchId}: for a batch that is not in this workstation's store, pass --gpk FILE and --name NAME together`,
      usage,
    );
  }
  const devices = values['device-ids'] ? readDeviceIds(values['device-ids']) : undefined;
  let deviceCount = devices?.length ?? 0;
  if (values.devices !== undefined) {
    if (!/^\d+$/.test(values.devices))
      throw new UsageError(`--devices must be a whole number, got '${values.devices}'`, usage);
    deviceCount = Number(values.devices);
  }
  const date = values.date ?? new Date().toISOString();
  if (Number.isNaN(new Date(date).getTime()))
    throw new UsageError(`--date '${date}' is not an ISO date`, usage);
  return {
    batchId,
    batchName: values.name,
    ...(values.product ? { product: values.product } : {}),
    gpk: readGpkFile(values.gpk),
    deviceCount,
    date,
    facility: values.facility ?? '',
    ...(devices ? { devices } : {}),
  };
}

/** Every role may print a batch's first label (as in the desktop app); reprints need more. */
const PRINT_ROLES: Role[] = ['operator', 'supervisor', 'auditor'];

/**
 * Checks, before anything is sent to a printer, that `operator` may print the label of store
 * batch `batchId` now: a registered operator of this workstation for the first print; once
 * the batch's label was printed (by the CLI or the app), only a supervisor's `--reprint` with
 * a reason. Returns how often the label was printed before.
 */
export function checkStoreLabelPrint(
  values: { 'data-dir'?: string },
  batchId: string,
  operator: string,
  reprint: boolean,
): number {
  const ws = Workstation.open(values['data-dir'] ?? defaultDataDir());
  try {
    ws.requireRole(operator, 'print labels', PRINT_ROLES);
    const batch = requireBatch(ws, batchId);
    const prints = labelPrints(ws, batch.id);
    const last = prints.at(-1);
    if (last && !reprint) {
      throw new Error(
        `the label of batch ${batch.name} (${batch.id}) was printed ${prints.length === 1 ? 'once' : `${prints.length} times`} already ` +
          `(last by ${last.actor} at ${last.at}); printing it again is a reprint: a supervisor passes --reprint --reason TEXT`,
      );
    }
    if (!last && reprint) {
      throw new Error(
        `the label of batch ${batch.name} (${batch.id}) has not been printed yet: print it without --reprint and --reason`,
      );
    }
    if (reprint) ws.requireRole(operator, 'reprint a batch label', ['supervisor']);
    return prints.length;
  } finally {
    ws.close();
  }
}

/**
 * Runs `check` with a look-up of this workstation's batches by id when the flags name a store
 * batch, so a read-back names the batch a wrong label belongs to, as the desktop app does.
 */
export function withBatchLookup<T>(
  values: BatchSourceValues,
  check: (findBatch?: (batchId: string) => KnownBatch | undefined) => T,
): T {
  if (!isStoreBatch(values)) return check();
  const ws = Workstation.open(values['data-dir'] ?? defaultDataDir());
  try {
    return check((id) => ws.store.getBatch(id));
  } finally {
    ws.close();
  }
}

/** parseArgs options for where print audit events go. */
export const AUDIT_SINK_OPTIONS = { 'audit-log': { type: 'string' } } as const;

/**
 * The audit callback the print commands pass to the print functions: a store batch's print
 * goes into the workstation's audit trail (the same actions the desktop app records), and
 * each event is also appended as one JSON line to `--audit-log FILE` when given.
 */
export function labelAuditSink(
  values: BatchSourceValues & { 'audit-log'?: string },
): (event: LabelAuditEvent) => void {
  return (event) => {
    if (values['audit-log']) appendFileSync(values['audit-log'], JSON.stringify(event) + '\n');
    // A batch of this workstation: the print goes into its audit trail.
    if (isStoreBatch(values)) {
      const ws = Workstation.open(values['data-dir'] ?? defaultDataDir());
      try {
        recordLabelPrint(ws, event);
      } finally {
        ws.close();
      }
    }
  };
}
