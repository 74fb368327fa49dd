// System printers through CUPS. Jobs go in with CUPS's own client (`lp`), printers are listed
// with `lpstat`, and job state comes straight from the scheduler over IPP (see ipp.ts). A
// private or remote scheduler is chosen with `server` (a socket path or HOST:PORT), exactly
// like the CUPS_SERVER variable the CUPS tools read.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { checkAudit, emitAudit, type LabelAuditEvent, type PrintAudit } from './audit.ts';
import { encodeGetJobAttributes, ippRequest, parseCupsServer } from './ipp.ts';

export type PrintErrorCode =
  | 'no-cups'
  | 'unknown-printer'
  | 'not-accepting'
  | 'unknown-job'
  | 'refused'
  | 'timeout'
  | 'failed';

/** A printing failure; `code` lets the UI pick its advice. */
export class PrintError extends Error {
  constructor(
    readonly code: PrintErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PrintError';
  }
}

export interface CupsOptions {
  /** CUPS scheduler: a socket path or HOST[:PORT]; default $CUPS_SERVER, then the local one. */
  server?: string;
}

export interface PrinterInfo {
  name: string;
  state: 'idle' | 'printing' | 'disabled' | 'unknown';
  accepting: boolean;
  deviceUri?: string;
  isDefault: boolean;
}

function cupsEnv(opts: CupsOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  if (opts.server) env.CUPS_SERVER = opts.server;
  return env;
}

function run(cmd: string, args: string[], opts: CupsOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: cupsEnv(opts), timeout: 30_000 }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === 'ENOENT') {
        reject(
          new PrintError(
            'no-cups',
            `the CUPS client '${cmd}' is not installed; install the cups-client package (apt-get install cups-client)`,
          ),
        );
        return;
      }
      // lpstat repeats its complaint once per option: say it once.
      const text = [...new Set(`${stderr}`.trim().split('\n'))].join('; ') || e.message;
      if (
        /Scheduler is not running|Unable to connect|Connection refused|No such file/i.test(text)
      ) {
        reject(
          new PrintError(
            'no-cups',
            `CUPS is not reachable at ${describeServer(opts)} (${text}); start the CUPS service (systemctl start cups) or point CUPS_SERVER at a running scheduler`,
          ),
        );
        return;
      }
      reject(new PrintError('failed', `${cmd} failed: ${text}`));
    });
  });
}

function describeServer(opts: CupsOptions): string {
  return opts.server ?? process.env.CUPS_SERVER ?? 'the local scheduler';
}

/** The printers (queues) CUPS knows, with their state. */
export async function listPrinters(opts: CupsOptions = {}): Promise<PrinterInfo[]> {
  const out = await run('lpstat', ['-p', '-v', '-a', '-d'], opts);
  const printers = new Map<string, PrinterInfo>();
  const get = (name: string) => {
    let p = printers.get(name);
    if (!p) {
      p = { name, state: 'unknown', accepting: false, isDefault: false };
      printers.set(name, p);
    }
    return p;
  };
  let defaultName: string | undefined;
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^printer (\S+) (?:is )?(idle|now printing|disabled)/.exec(line))) {
      get(m[1]!).state = m[2] === 'idle' ? 'idle' : m[2] === 'disabled' ? 'disabled' : 'printing';
    } else if ((m = /^device for (\S+): (.*)$/.exec(line))) {
      get(m[1]!).deviceUri = m[2]!;
    } else if ((m = /^(\S+) (not )?accepting requests/.exec(line))) {
      get(m[1]!).accepting = m[2] === undefined;
    } else if ((m = /^system default destination: (\S+)/.exec(line))) {
      defaultName = m[1];
    }
  }
  if (defaultName) get(defaultName).isDefault = true;
  return [...printers.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export interface PrintFileOptions extends CupsOptions {
  /** Job title shown in the queue; default the file name. */
  title?: string;
  /** Send the bytes unchanged (ZPL to a raw or Zebra queue). */
  raw?: boolean;
  /** Extra `lp -o` options, e.g. { media: 'Custom.62x29mm' }. */
  options?: Record<string, string>;
  audit?: PrintAudit;
}

export interface PrintJob {
  jobId: string;
  printer: string;
  audit?: LabelAuditEvent;
}

/** Queues `file` on CUPS printer `printer`, `copies` times; resolves when CUPS accepted it. */
export async function printFile(
  printer: string,
  file: string,
  copies = 1,
  opts: PrintFileOptions = {},
): Promise<PrintJob> {
  if (!Number.isInteger(copies) || copies < 1 || copies > 999) {
    throw new PrintError('failed', `copies must be a whole number from 1 to 999, got ${copies}`);
  }
  if (!existsSync(file)) throw new PrintError('failed', `file to print does not exist: ${file}`);
  checkAudit(opts.audit);
  const printers = await listPrinters(opts);
  const target = printers.find((p) => p.name === printer);
  if (!target) {
    const names = printers.map((p) => p.name);
    throw new PrintError(
      'unknown-printer',
      `CUPS has no printer named '${printer}'; ${names.length ? `known printers: ${names.join(', ')}` : 'no printers are set up'} (add one with lpadmin or the system's printer settings)`,
    );
  }
  if (!target.accepting) {
    throw new PrintError(
      'not-accepting',
      `printer '${printer}' is not accepting jobs; enable it (cupsenable/cupsaccept ${printer}) and try again`,
    );
  }
  const args = ['-d', printer, '-n', String(copies)];
  if (opts.title) args.push('-t', opts.title);
  if (opts.raw) args.push('-o', 'raw');
  for (const [k, v] of Object.entries(opts.options ?? {})) args.push('-o', `${k}=${v}`);
  args.push('--', file);
  const out = await run('lp', args, opts);
  const m = /request id is (\S+)/.exec(out);
  if (!m) throw new PrintError('failed', `lp did not report a job id (it said: ${out.trim()})`);
  const jobId = m[1]!;
  const audit = emitAudit(opts.audit, {
    printer,
    copies,
    jobId,
    format: opts.raw ? 'raw' : undefined,
  });
  return { jobId, printer, ...(audit ? { audit } : {}) };
}

export type JobStateName =
  'pending' | 'held' | 'processing' | 'stopped' | 'canceled' | 'aborted' | 'completed';

/** RFC 8011 §5.3.7 job-state values. */
const JOB_STATES: Record<number, JobStateName> = {
  3: 'pending',
  4: 'held',
  5: 'processing',
  6: 'stopped',
  7: 'canceled',
  8: 'aborted',
  9: 'completed',
};

export interface JobStatus {
  jobId: string;
  state: JobStateName;
  /** True once the job will not change any more (canceled, aborted or completed). */
  final: boolean;
  reasons: string[];
  message?: string;
}

function defaultServer(): string {
  if (process.env.CUPS_SERVER) return process.env.CUPS_SERVER;
  return existsSync('/run/cups/cups.sock') ? '/run/cups/cups.sock' : 'localhost:631';
}

/** The state of a CUPS job ("Queue-12" as printFile returned it, or just 12). */
export async function jobState(jobId: string | number, opts: CupsOptions = {}): Promise<JobStatus> {
  const id = typeof jobId === 'number' ? jobId : Number(/(\d+)$/.exec(jobId)?.[1]);
  if (!Number.isInteger(id) || id <= 0) {
    throw new PrintError('unknown-job', `'${jobId}' is not a CUPS job id (expected e.g. Zebra-12)`);
  }
  const server = opts.server ?? defaultServer();
  const body = encodeGetJobAttributes(id, [
    'job-state',
    'job-state-reasons',
    'job-printer-state-message',
  ]);
  let res;
  try {
    res = await ippRequest(parseCupsServer(server), '/jobs/', body);
  } catch (e) {
    throw new PrintError(
      'no-cups',
      `CUPS is not reachable at ${server} (${(e as Error).message}); start the CUPS service or set CUPS_SERVER`,
    );
  }
  if (res.statusCode === 0x0406) {
    throw new PrintError(
      'unknown-job',
      `CUPS has no job ${jobId} (it may have been purged from its history)`,
    );
  }
  if (res.statusCode >= 0x0100) {
    throw new PrintError(
      'failed',
      `CUPS refused the job-state request (IPP status 0x${res.statusCode.toString(16).padStart(4, '0')})`,
    );
  }
  const state = JOB_STATES[Number(res.attributes.get('job-state')?.[0])];
  if (!state) throw new PrintError('failed', `CUPS reported no job state for job ${jobId}`);
  const message = res.attributes.get('job-printer-state-message')?.[0];
  return {
    jobId: String(jobId),
    state,
    final: state === 'canceled' || state === 'aborted' || state === 'completed',
    reasons: (res.attributes.get('job-state-reasons') ?? []).map(String),
    ...(message ? { message: String(message) } : {}),
  };
}

/** Polls a job until it is final or `timeoutMs` passes; returns its last state. */
export async function waitForJob(
  jobId: string,
  opts: CupsOptions & { timeoutMs?: number; pollMs?: number } = {},
): Promise<JobStatus> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const status = await jobState(jobId, opts);
    if (status.final || Date.now() >= deadline) return status;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}
