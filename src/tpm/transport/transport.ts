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

/** Runs `work` with a timeout and an abort signal: whichever fires first rejects it. */
export function withDeadline<T>(
  tpm: string,
  options: SendOptions,
  /** `alive()` turns false once the deadline or the signal fired: send nothing after that. */
  work: (alive: () => boolean) => Promise<T>,
  onFail: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const what = options.command ? `TPM2_${options.command}` : 'the command';
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (e: Error): void =>
      finish(() => {
        onFail();
        reject(e);
      });
    const timer = setTimeout(
      () =>
        fail(new TpmTransportError(tpm, `no response to ${what} within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = (): void => fail(new TpmTransportError(tpm, `${what} was canceled`));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    work(() => !settled).then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => fail(e as Error),
    );
  });
}
