// Printing through a private CUPS scheduler: its own config, spool, socket and port in a temp
// folder (never the system cupsd, never cupsctl), with a cups-pdf "PDF printer" and a raw
// queue that forwards ZPL to a fake network printer. The scheduler is stopped by its PID.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeLabelPayload,
  jobState,
  listPrinters,
  parsePrinterTarget,
  printFile,
  printLabels,
  renderLabel,
  waitForJob,
  type LabelAuditEvent,
} from '../../src/labels/index.ts';
import { fakePrinter, hasTool, pdfPageToPng, sampleInfo, zbarDecode } from './helpers.ts';

const CUPS_PDF_BACKEND = '/usr/lib/cups/backend/cups-pdf';
const CUPS_PDF_PPD = '/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd';
const HAVE_CUPS = hasTool('lp') && hasTool('lpstat') && existsSync('/usr/sbin/cupsd');
// cups-pdf writes as the job's owner and refuses to run unless cupsd (hence this test) is root.
const HAVE_CUPS_PDF =
  existsSync(CUPS_PDF_BACKEND) && existsSync(CUPS_PDF_PPD) && process.getuid?.() === 0;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!HAVE_CUPS)('printing through a private cupsd (needs cups, cups-client)', () => {
  let root: string;
  let socket: string;
  let cupsd: ChildProcess;
  let printer: Awaited<ReturnType<typeof fakePrinter>>;
  const server = () => ({ server: socket });

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ztp-cupsd-'));
    chmodSync(root, 0o755); // filters run as lp and must reach the spool
    for (const d of ['etc/ppd', 'spool', 'tmp', 'cache', 'state', 'log'])
      mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, 'tmp'), 0o1777);
    socket = path.join(root, 'cups.sock');
    const port = await freePort();
    writeFileSync(
      path.join(root, 'etc/cups-files.conf'),
      [
        `ServerRoot ${root}/etc`,
        `RequestRoot ${root}/spool`,
        `TempDir ${root}/tmp`,
        `CacheDir ${root}/cache`,
        `StateDir ${root}/state`,
        `AccessLog ${root}/log/access_log`,
        `ErrorLog ${root}/log/error_log`,
        `PageLog ${root}/log/page_log`,
        'ServerBin /usr/lib/cups',
        'DataDir /usr/share/cups',
        'Sandboxing Relaxed',
        'User lp',
        'Group lp',
        'SystemGroup root',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(root, 'etc/cupsd.conf'),
      [
        `Listen 127.0.0.1:${port}`,
        `Listen ${socket}`,
        'LogLevel info',
        'WebInterface No',
        'Browsing No',
        'DefaultAuthType None',
        '<Location />',
        '  Order allow,deny',
        '  Allow all',
        '</Location>',
        '<Policy default>',
        '  <Limit All>',
        '    Order deny,allow',
        '  </Limit>',
        '</Policy>',
        '',
      ].join('\n'),
    );
    cupsd = spawn(
      '/usr/sbin/cupsd',
      ['-f', '-c', `${root}/etc/cupsd.conf`, '-s', `${root}/etc/cups-files.conf`],
      {
        stdio: 'ignore',
      },
    );
    await until('the private cupsd to listen', () => {
      try {
        execFileSync('lpstat', ['-h', socket, '-r'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    printer = await fakePrinter();
    // A cupsd that answers lpstat may still refuse lpadmin for a moment while it finishes
    // starting (seen about once in five runs): retry briefly, and say why if it never works.
    const admin = async (args: string[]) => {
      let why = '';
      const ok = () => {
        try {
          execFileSync('lpadmin', ['-h', socket, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
          return true;
        } catch (e) {
          why = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim();
          return false;
        }
      };
      await until(`lpadmin ${args.join(' ')}`, ok, 20_000).catch((e: Error) => {
        const log = path.join(root, 'log/error_log');
        const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15) : [];
        throw new Error(`${e.message}; lpadmin said: ${why}\n${tail.join('\n')}`);
      });
    };
    await admin(['-p', 'ZebraRaw', '-E', '-v', `socket://127.0.0.1:${printer.port}`, '-m', 'raw']);
    if (HAVE_CUPS_PDF) await admin(['-p', 'PDF', '-E', '-v', 'cups-pdf:/', '-P', CUPS_PDF_PPD]);
  });

  afterAll(async () => {
    if (cupsd?.pid && cupsd.exitCode === null) {
      const exited = new Promise((r) => cupsd.once('exit', r));
      process.kill(cupsd.pid, 'SIGTERM');
      await exited; // it writes its cache files while shutting down
    }
    await printer?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lists its printers', async () => {
    const printers = await listPrinters(server());
    const raw = printers.find((p) => p.name === 'ZebraRaw');
    expect(raw).toMatchObject({ accepting: true, deviceUri: `socket://127.0.0.1:${printer.port}` });
    if (HAVE_CUPS_PDF) expect(printers.map((p) => p.name)).toContain('PDF');
  });

  it('prints ZPL through a raw queue: the printer receives it byte for byte, the job completes', async () => {
    const info = sampleInfo();
    const events: LabelAuditEvent[] = [];
    const received = printer.nextJob();
    const result = await printLabels({
      ...server(),
      info,
      template: 'zebra-4x2',
      printer: parsePrinterTarget('ZebraRaw', 'zpl'),
      operator: 'carol',
      onAudit: (e) => events.push(e),
    });
    expect(result.jobId).toMatch(/^ZebraRaw-\d+$/);
    expect(
      Buffer.from(await received).equals(Buffer.from(await renderLabel(info, 'zebra-4x2', 'zpl'))),
    ).toBe(true);
    expect((await waitForJob(result.jobId!, { ...server(), timeoutMs: 30_000 })).state).toBe(
      'completed',
    );
    expect(events).toEqual([
      expect.objectContaining({
        type: 'label.printed',
        operator: 'carol',
        printer: 'ZebraRaw',
        jobId: result.jobId,
      }),
    ]);
  });

  it.skipIf(!HAVE_CUPS_PDF)(
    'prints the label PDF through a PDF printer (cups-pdf), and the printout scans',
    async () => {
      const token = `ztptest${process.pid}x${Date.now()}`;
      const info = sampleInfo({ batchName: token });
      const result = await printLabels({
        ...server(),
        info,
        template: 'zebra-4x2',
        printer: parsePrinterTarget('PDF'),
        copies: 1,
        operator: 'dave',
        reprintReason: 'first label smudged',
      });
      expect(result.audit).toMatchObject({
        type: 'label.reprinted',
        reason: 'first label smudged',
      });
      const status = await waitForJob(result.jobId!, { ...server(), timeoutMs: 60_000 });
      expect(status.state).toBe('completed');
      // cups-pdf writes to ~/PDF of the job's owner, naming the file after the job title.
      const outDir = path.join(os.userInfo().homedir, 'PDF');
      const file = readdirSync(outDir).find((f) => f.includes(token));
      expect(file, `no printout with ${token} in ${outDir}`).toBeDefined();
      const printed = path.join(outDir, file!);
      try {
        const png = await pdfPageToPng(printed, path.join(root, 'printed'));
        expect((await zbarDecode(png)).toString('latin1')).toBe(encodeLabelPayload(info).text);
      } finally {
        rmSync(printed, { force: true });
      }
    },
  );

  it('names unknown printers and jobs, and an unreachable scheduler', async () => {
    const file = path.join(root, 'x.zpl');
    writeFileSync(file, '^XA^XZ');
    await expect(printFile('NoSuchQueue', file, 1, server())).rejects.toMatchObject({
      code: 'unknown-printer',
      message: expect.stringMatching(/no printer named 'NoSuchQueue'; known printers: .*ZebraRaw/),
    });
    await expect(jobState('ZebraRaw-99999', server())).rejects.toMatchObject({
      code: 'unknown-job',
    });
    await expect(listPrinters({ server: path.join(root, 'nothing.sock') })).rejects.toMatchObject({
      code: 'no-cups',
      message: expect.stringMatching(/CUPS is not reachable/),
    });
  });
});
