/**
 * The one interface every way of reaching a TPM implements (style.md): send a command's bytes,
 * get the response's bytes. Devices, swtpm sockets and test doubles all implement it; one
 * command in flight at a time is enforced by the Tpm above, and checked here too.
 */
import { TpmFormatError, TpmTransportError } from '../errors.ts';

export interface SendOptions {
  /** How long to wait for the whole response before failing with a TpmTransportError. */
  timeoutMs: number;
  /** Aborting gives a TpmTransportError now and drops the connection. */
  signal?: AbortSignal;
  /** The command's name, for messages. */
  command?: string;
}

export interface Transport {
  /** The TPM's name as the user wrote it (e.g. `device:/dev/tpmrm0`). */
  readonly name: string;
  send(command: Uint8Array, options: SendOptions): Promise<Uint8Array>;
  /** Closes the connection; a later send reopens it. */
  close(): Promise<void>;
}

/** Largest response accepted from any TPM (TPM_BUFSIZE of the Linux driver is 4096). */
export const MAX_RESPONSE_SIZE = 64 * 1024;

/**
 * Reads the size from the first 10 bytes of a response (Part 1 §18.8); throws TpmFormatError
 * when it cannot be a TPM response at all.
 */
export function responseSize(header: Uint8Array, command = ''): number {
  const size =
    ((header[2]! << 24) >>> 0) + (header[3]! << 16) + (header[4]! << 8) + (header[5]! >>> 0);
  if (size < 10 || size > MAX_RESPONSE_SIZE) {
    throw new TpmFormatError(command, `response header gives a size of ${size} bytes`);
  }
  return size;
}

/**
 * The deadline and cancellation of the one command a transport has in flight. One timer per
 * transport, re-armed per command, and one listener per abort signal: per-command timers and
 * listeners would cost more than swtpm takes to answer a small command.
 */
export class InFlight {
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private fail: ((e: Error) => void) | null = null;
  private what = '';
  private readonly hooked = new WeakSet<AbortSignal>();

  constructor(private readonly tpm: string) {}

  /**
   * Runs `work` until it settles, the timeout passes or the signal aborts, whichever comes
   * first; on timeout or abort, `onFail` drops the connection. `alive()` turns false once
   * the command failed: send nothing after that.
   */
  run<T>(
    options: SendOptions,
    work: (alive: () => boolean) => Promise<T>,
    onFail: () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const what = options.command ? `TPM2_${options.command}` : 'the command';
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        this.fail = null;
        onFail();
        reject(e);
      };
      this.fail = fail;
      this.what = what;
      this.arm(options.timeoutMs, what);
      const signal = options.signal;
      if (signal) {
        if (signal.aborted) {
          fail(new TpmTransportError(this.tpm, `${what} was canceled`));
          return;
        }
        if (!this.hooked.has(signal)) {
          this.hooked.add(signal);
          signal.addEventListener(
            'abort',
            () => this.fail?.(new TpmTransportError(this.tpm, `${this.what} was canceled`)),
            {
              once: true,
            },
          );
        }
      }
      work(() => !settled).then(
        (v) => {
          if (settled) return;
          settled = true;
          this.fail = null;
          resolve(v);
        },
        (e: unknown) => fail(e as Error),
      );
    });
  }

  private timeoutText = '';
  private arm(ms: number, what: string): void {
    this.timeoutText = `no response to ${what} within ${ms} ms`;
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(
      () => this.fail?.(new TpmTransportError(this.tpm, this.timeoutText)),
      ms,
    );
    this.timer.unref();
  }

  /** Stops the timer (when the transport closes). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
