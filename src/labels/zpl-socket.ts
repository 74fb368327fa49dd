// Raw ZPL to a network label printer: Zebra-class printers print whatever arrives on TCP port
// 9100 ("raw", "JetDirect", "AppSocket"). There is no reply and no job id, so success means
// every byte was handed to the printer and it closed the connection cleanly.
import net from 'node:net';
import { checkAudit, emitAudit, type LabelAuditEvent, type PrintAudit } from './audit.ts';
import { PrintError } from './cups.ts';

export const RAW_PRINT_PORT = 9100;
const CLOSE_GRACE_MS = 2000;

export interface SendZplOptions {
  timeoutMs?: number;
  /** Copies the ZPL itself asks for (^PQ); only recorded in the audit event. */
  copies?: number;
  audit?: PrintAudit;
}

/** Sends ZPL bytes to HOST:PORT; resolves once they are delivered and the socket closed. */
export function sendRawZpl(
  host: string,
  port: number = RAW_PRINT_PORT,
  bytes: Uint8Array,
  opts: SendZplOptions = {},
): Promise<{ bytesSent: number; audit?: LabelAuditEvent }> {
  checkAudit(opts.audit);
  const where = `${host}:${port}`;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let failed = false;
    const socket = net.connect({ host, port });
    const fail = (e: PrintError) => {
      if (failed) return;
      failed = true;
      socket.destroy();
      reject(e);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(
        new PrintError(
          'timeout',
          `label printer at ${where} did not take the data within ${timeoutMs} ms; check that it is on line and not paused`,
        ),
      ),
    );
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const advice =
        e.code === 'ECONNREFUSED'
          ? 'refused the connection: check that the printer is on and that raw printing on this port is enabled'
          : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
            ? 'is not a known host name: check the printer address'
            : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH'
              ? 'cannot be reached: check the cable and the printer address'
              : `failed (${e.message})`;
      fail(
        new PrintError(
          e.code === 'ECONNREFUSED' ? 'refused' : 'failed',
          `label printer at ${where} ${advice}`,
        ),
      );
    });
    let done = false;
    const finish = () => {
      if (failed || done) return;
      done = true;
      clearTimeout(grace);
      socket.destroy();
      const audit = emitAudit(opts.audit, {
        printer: `zpl://${where}`,
        copies: opts.copies ?? 1,
        format: 'zpl',
      });
      resolve({ bytesSent: bytes.length, ...(audit ? { audit } : {}) });
    };
    let grace: NodeJS.Timeout | undefined;
    socket.on('connect', () => socket.end(bytes));
    // Most printers close once the sender half-closes; some keep the socket open. Once every
    // byte has left, wait briefly for the close, then consider the data delivered.
    socket.on('finish', () => {
      grace = setTimeout(finish, CLOSE_GRACE_MS);
    });
    socket.on('end', finish);
    socket.on('close', (hadError) => {
      if (!hadError) finish();
    });
  });
}
