// Printing a batch's labels: render with a template, then send to a CUPS queue (PDF, or ZPL to
// a raw/Zebra queue) or straight to a network printer's raw port. Every print and reprint is
// reported through the audit callback.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LabelAuditEvent, PrintAudit } from './audit.ts';
import { printFile, PrintError, type CupsOptions } from './cups.ts';
import { renderLabel } from './render.ts';
import { DEFAULT_TEMPLATE, loadTemplate } from './templates.ts';
import type { LabelInfo } from './types.ts';
import { RAW_PRINT_PORT, sendRawZpl } from './zpl-socket.ts';

/** A CUPS queue by name, or a network printer's raw port. */
export type PrinterTarget =
  | { kind: 'cups'; queue: string; format: 'pdf' | 'zpl' }
  | { kind: 'raw'; host: string; port: number };

/**
 * Reads a printer argument: `zpl://HOST[:PORT]` or `socket://HOST[:PORT]` is a network printer
 * taking raw ZPL (port 9100 by default); anything else names a CUPS queue, printed as PDF
 * unless `format` is 'zpl' (for a raw or Zebra-driver queue).
 */
export function parsePrinterTarget(printer: string, format: 'pdf' | 'zpl' = 'pdf'): PrinterTarget {
  const m = /^(?:zpl|socket):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(printer);
  if (m) {
    const port = m[2] ? Number(m[2]) : RAW_PRINT_PORT;
    if (port < 1 || port > 65535)
      throw new PrintError('failed', `port ${port} in '${printer}' is not a TCP port`);
    return { kind: 'raw', host: m[1]!.replace(/^\[|\]$/g, ''), port };
  }
  if (/^[a-z]+:\/\//i.test(printer)) {
    throw new PrintError(
      'failed',
      `cannot print to '${printer}': use a CUPS queue name, or zpl://HOST[:PORT] for a network label printer`,
    );
  }
  return { kind: 'cups', queue: printer, format };
}

export interface PrintLabelsRequest extends CupsOptions {
  info: LabelInfo;
  /** Template name or file; default zebra-4x2. */
  template?: string;
  printer: PrinterTarget;
  copies?: number;
  operator: string;
  /** For a reprint: the reason, kept in the audit trail. */
  reprintReason?: string;
  onAudit?: (event: LabelAuditEvent) => void;
}

export interface PrintLabelsResult {
  printer: string;
  jobId?: string;
  audit?: LabelAuditEvent;
}

/** Renders and prints a batch's labels; resolves once the printer or CUPS accepted them. */
export async function printLabels(req: PrintLabelsRequest): Promise<PrintLabelsResult> {
  const template = loadTemplate(req.template ?? DEFAULT_TEMPLATE);
  const copies = req.copies ?? 1;
  const audit: PrintAudit = {
    operator: req.operator,
    batchId: req.info.batchId,
    template: template.name,
    ...(req.reprintReason !== undefined ? { reprintReason: req.reprintReason } : {}),
    ...(req.onAudit ? { onAudit: req.onAudit } : {}),
  };
  const target = req.printer;
  if (target.kind === 'raw') {
    // The printer makes the copies (^PQ), so the data crosses the network once.
    const zpl = await renderLabel(req.info, template, 'zpl', { copies });
    const sent = await sendRawZpl(target.host, target.port, zpl, { copies, audit });
    return {
      printer: `zpl://${target.host}:${target.port}`,
      ...(sent.audit ? { audit: sent.audit } : {}),
    };
  }
  const bytes = await renderLabel(req.info, template, target.format);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ztp-label-'));
  try {
    const file = path.join(
      dir,
      `batch-${req.info.batchId.replace(/[^\w.-]/g, '_')}.${target.format}`,
    );
    await writeFile(file, bytes);
    const job = await printFile(target.queue, file, copies, {
      ...(req.server ? { server: req.server } : {}),
      title: `ZTP label ${req.info.batchName}`,
      raw: target.format === 'zpl',
      audit,
    });
    return { printer: target.queue, jobId: job.jobId, ...(job.audit ? { audit: job.audit } : {}) };
  } finally {
    // lp has copied the file into the CUPS spool by the time it returns.
    await rm(dir, { recursive: true, force: true });
  }
}
