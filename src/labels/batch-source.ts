// Where the label commands get a batch's details and where their audit events go. Every
// `ztp label` and `ztp print` command resolves `--batch ID` through resolveLabelBatch and
// reports prints through labelAuditSink, so connecting them to the workstation's store is a
// change to this file alone. The details come from the workstation's store (`--batch ID`,
// with `--data-dir`), or, for a batch made elsewhere, from explicit flags (`--gpk`, `--name`).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../cli/args.ts';
import { requireBatch } from '../engine/batches.ts';
import { labelInfoFor } from '../engine/labels.ts';
import { Workstation, defaultDataDir } from '../engine/workstation.ts';
import type { LabelAuditEvent } from './audit.ts';
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
  if (!values.gpk && !values.name) {
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

/** parseArgs options for where print audit events go. */
export const AUDIT_SINK_OPTIONS = { 'audit-log': { type: 'string' } } as const;

/**
 * The audit callback the print commands pass to the print functions. In this version each
 * event is appended as one JSON line to `--audit-log FILE` when given; the command also
 * prints it.
 */
export function labelAuditSink(values: {
  'audit-log'?: string;
  'data-dir'?: string;
  gpk?: string;
}): (event: LabelAuditEvent) => void {
  return (event) => {
    if (values['audit-log']) appendFileSync(values['audit-log'], JSON.stringify(event) + '\n');
    // A batch of this workstation: the print goes into its audit trail.
    if (!values.gpk) {
      const ws = Workstation.open(values['data-dir'] ?? defaultDataDir());
      try {
        const { type, operator, batchId, ...details } = event;
        ws.store.audit({ actor: operator, action: type, batchId, details });
      } finally {
        ws.close();
      }
    }
  };
}
