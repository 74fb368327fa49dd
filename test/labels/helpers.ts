// Shared pieces for the label tests: real tools (pdftoppm, zbarimg) and a fake network printer.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { VECTORS_DIR } from '../helpers/paths.ts';
import type { LabelInfo } from '../../src/labels/index.ts';

export const XAPTUM_GPK = new Uint8Array(
  readFileSync(path.join(VECTORS_DIR, 'xaptum-ecdaa/gpk.bin')),
);
export const XTT_GPK = new Uint8Array(readFileSync(path.join(VECTORS_DIR, 'xtt-data/daa_gpk.bin')));

export function hasTool(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const sampleInfo = (over: Partial<LabelInfo> = {}): LabelInfo => ({
  batchId: '3b2f6a0e-1c4d-4e0f-9a7b-2c3d4e5f6a7b',
  batchName: 'Acme Sensor Node Rev C',
  product: 'ACME-SN-3 gateway module',
  gpk: XAPTUM_GPK,
  deviceCount: 250,
  date: '2026-12-03T10:00:00Z',
  facility: 'Line 2, Eindhoven',
  ...over,
});

function run(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message} ${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

/**
 * Every QR code zbarimg (an independent decoder: ZBar, Debian's zbar-tools) finds in an image,
 * as raw bytes (-Sbinary: no charset conversion).
 */
export async function zbarDecode(image: string): Promise<Buffer> {
  return run('zbarimg', ['-q', '--raw', '-Sbinary', '-Sdisable', '-Sqrcode.enable', image]);
}

/** Rasterizes one PDF page with poppler's pdftoppm; returns the PNG path. */
export async function pdfPageToPng(
  pdf: string,
  outBase: string,
  page = 1,
  dpi = 300,
): Promise<string> {
  await run('pdftoppm', [
    '-r',
    String(dpi),
    '-f',
    String(page),
    '-l',
    String(page),
    '-png',
    '-singlefile',
    pdf,
    outBase,
  ]);
  return `${outBase}.png`;
}

/** Page count and size of a PDF from poppler's pdfinfo. */
export async function pdfInfo(
  pdf: string,
): Promise<{ pages: number; widthPt: number; heightPt: number }> {
  const out = (await run('pdfinfo', [pdf])).toString();
  const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(out)!;
  return {
    pages: Number(/Pages:\s+(\d+)/.exec(out)![1]),
    widthPt: Number(size[1]),
    heightPt: Number(size[2]),
  };
}

/** A fake raw-port label printer on loopback: records every connection's bytes. */
export async function fakePrinter(): Promise<{
  port: number;
  received: Buffer[];
  nextJob(): Promise<Buffer>;
  close(): Promise<void>;
}> {
  const received: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  const server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      const job = Buffer.concat(chunks);
      received.push(job);
      waiters.shift()?.(job);
      socket.end();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    nextJob: () =>
      // Only jobs that arrive after the call count; callers take them in order.
      new Promise((resolve) => waiters.push(resolve)),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
