// ztp print: print a batch's label on a CUPS printer or a network label printer; list printers;
// show a job's state. A store batch's label is printed once; every further print is a
// supervisor's reprint with a reason, whether the first came from the CLI or the app.
import os from 'node:os';
import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import { operatorOf } from '../common.ts';
import {
  AUDIT_SINK_OPTIONS,
  BATCH_SOURCE_OPTIONS,
  BATCH_SOURCE_USAGE,
  checkStoreLabelPrint,
  isStoreBatch,
  labelAuditSink,
  resolveLabelBatch,
} from '../../labels/batch-source.ts';
import {
  DEFAULT_TEMPLATE,
  jobState,
  listPrinters,
  parsePrinterTarget,
  printLabels,
  waitForJob,
  PrintError,
} from '../../labels/index.ts';

const USAGE = [
  `ztp print ${BATCH_SOURCE_USAGE} --printer NAME|zpl://HOST[:PORT] [--copies N] [--template NAME] [--format pdf|zpl] [--operator NAME] [--reprint --reason TEXT] [--wait] [--cups-server ADDR] [--audit-log FILE] [--json]`,
  '  a store batch needs a registered --operator (or $ZTP_OPERATOR); once its label was printed, only a supervisor reprints it, with --reprint --reason TEXT',
  'ztp print --list [--cups-server ADDR] [--json]',
  'ztp print --job ID [--wait] [--cups-server ADDR] [--json]',
].join('\n');

/** PrintError codes that mean the environment, not the request, is at fault. */
const ENVIRONMENT_ERRORS = new Set(['no-cups', 'refused', 'timeout']);

export async function main(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      ...BATCH_SOURCE_OPTIONS,
      ...AUDIT_SINK_OPTIONS,
      printer: { type: 'string' },
      copies: { type: 'string', default: '1' },
      template: { type: 'string', default: DEFAULT_TEMPLATE },
      format: { type: 'string', default: 'pdf' },
      operator: { type: 'string' },
      reprint: { type: 'boolean' },
      reason: { type: 'string' },
      wait: { type: 'boolean' },
      'cups-server': { type: 'string' },
      list: { type: 'boolean' },
      job: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    io.out(`usage:\n${USAGE}`);
    return EXIT.OK;
  }
  const cups = values['cups-server'] ? { server: values['cups-server'] } : {};
  try {
    if (values.list) {
      const printers = await listPrinters(cups);
      if (values.json) io.out(JSON.stringify(printers));
      else if (printers.length === 0) io.out('no printers are set up in CUPS');
      else
        for (const p of printers) {
          io.out(
            `${p.isDefault ? '*' : ' '} ${p.name.padEnd(20)} ${p.state.padEnd(9)} ${p.accepting ? 'accepting' : 'rejecting'}  ${p.deviceUri ?? ''}`,
          );
        }
      return EXIT.OK;
    }
    if (values.job) {
      const status = values.wait
        ? await waitForJob(values.job, cups)
        : await jobState(values.job, cups);
      if (values.json) io.out(JSON.stringify(status));
      else
        io.out(
          `${status.jobId}: ${status.state}${status.reasons.length ? ` (${status.reasons.join(', ')})` : ''}${status.message ? ` — ${status.message}` : ''}`,
        );
      return status.state === 'canceled' || status.state === 'aborted' ? EXIT.FAILED : EXIT.OK;
    }
    return await print(values, cups, io);
  } catch (e) {
    if (e instanceof PrintError) {
      io.err(`ztp print: ${e.message}`);
      return ENVIRONMENT_ERRORS.has(e.code) ? EXIT.ENVIRONMENT : EXIT.FAILED;
    }
    throw e;
  }
}

async function print(
  values: Parameters<typeof resolveLabelBatch>[0] & {
    printer?: string;
    copies: string;
    template: string;
    format: string;
    operator?: string;
    reprint?: boolean;
    reason?: string;
    wait?: boolean;
    json?: boolean;
    'audit-log'?: string;
  },
  cups: { server?: string },
  io: CliIO,
): Promise<number> {
  if (!values.printer) throw new UsageError('missing --printer NAME (see ztp print --list)', USAGE);
  if (!/^\d+$/.test(values.copies) || Number(values.copies) < 1) {
    throw new UsageError(`--copies must be a whole number ≥ 1, got '${values.copies}'`, USAGE);
  }
  if (values.format !== 'pdf' && values.format !== 'zpl') {
    throw new UsageError(`--format must be pdf or zpl, got '${values.format}'`, USAGE);
  }
  if (values.reprint && !values.reason?.trim()) {
    throw new UsageError('a reprint needs --reason TEXT (kept in the audit trail)', USAGE);
  }
  if (!values.reprint && values.reason !== undefined) {
    throw new UsageError('--reason goes with --reprint', USAGE);
  }
  const info = await resolveLabelBatch(values, USAGE);
  let operator: string;
  if (isStoreBatch(values)) {
    // The workstation's own batch: a registered operator, and a reprint exactly when the
    // label was printed before (here or in the app), as the desktop app decides it.
    operator = operatorOf(values, USAGE);
    checkStoreLabelPrint(values, info.batchId, operator, values.reprint ?? false);
  } else {
    operator = values.operator ?? process.env.ZTP_OPERATOR ?? os.userInfo().username;
    if (!values['audit-log']) {
      io.err(
        `warning: batch ${info.batchId} is not in this workstation's store (--gpk/--name): this print is ` +
          'in no audit trail and a second print is not known as a reprint; pass --audit-log FILE to keep a record',
      );
    }
  }
  const result = await printLabels({
    ...cups,
    info,
    template: values.template,
    printer: parsePrinterTarget(values.printer, values.format),
    copies: Number(values.copies),
    operator,
    ...(values.reprint ? { reprintReason: values.reason! } : {}),
    onAudit: labelAuditSink(values),
  });
  let state: string | undefined;
  if (values.wait && result.jobId) {
    const status = await waitForJob(result.jobId, cups);
    state = status.state;
  }
  if (values.json) {
    io.out(JSON.stringify({ ...result, ...(state ? { state } : {}) }));
  } else {
    io.out(
      `${values.reprint ? 'reprinted' : 'printed'} ${values.copies} × ${values.template} for batch ${info.batchId} on ${result.printer}${result.jobId ? ` (job ${result.jobId}${state ? `, ${state}` : ''})` : ''}`,
    );
    if (result.audit) io.out(`audit: ${JSON.stringify(result.audit)}`);
  }
  return state === undefined || state === 'completed' ? EXIT.OK : EXIT.FAILED;
}
