/**
 * A Linux TPM character device. `/dev/tpmrmN` is the kernel's resource manager: each open
 * file gets its own object and session space, which the kernel flushes on close. A raw
 * `/dev/tpmN` is exclusive and has no resource manager: only when explicitly forced.
 *
 * I/O goes through libuv's thread pool (fs.write/fs.read on the file descriptor), so a slow
 * chip never blocks the event loop. The kernel driver takes one whole command per write and
 * returns the whole response to the next read.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import { TpmFormatError, TpmTransportError } from '../errors.ts';
import { InFlight, responseSize, type SendOptions, type Transport } from './transport.ts';

const open = promisify(fs.open);
const write = promisify(fs.write);
const read = promisify(fs.read);

const OPEN_ADVICE: Record<string, string> = {
  ENOENT: 'no such device: is the TPM driver loaded (ls /dev/tpm*)?',
  EACCES: 'permission denied: run as a user in the tss group, or as root',
  EPERM: 'permission denied: run as a user in the tss group, or as root',
  EBUSY: 'the device is in use by another process (tpm2-abrmd or another tool?); use /dev/tpmrmN',
};

export class DeviceTransport implements Transport {
  private fd: number | null = null;
  private busy = false;
  private readonly inFlight: InFlight;

  constructor(
    readonly name: string,
    readonly path: string,
    /** For tests: read responses from another path than the one commands go to. */
    private readonly readPath?: string,
  ) {
    this.inFlight = new InFlight(name);
  }
  private readFd: number | null = null;

  private async openFd(path: string, flags: number): Promise<number> {
    try {
      return await open(path, flags);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      throw new TpmTransportError(this.name, `cannot open ${path}: ${OPEN_ADVICE[code] ?? code}`, {
        cause: e,
      });
    }
  }

  async send(command: Uint8Array, options: SendOptions): Promise<Uint8Array> {
    if (this.busy) throw new Error(`${this.name}: a command is already in flight`);
    this.busy = true;
    const name = options.command ?? '';
    try {
      return await this.inFlight.run(
        options,
        async (alive) => {
          if (this.fd === null) {
            this.fd = await this.openFd(
              this.path,
              this.readPath ? fs.constants.O_WRONLY : fs.constants.O_RDWR,
            );
          }
          const fd = this.fd;
          if (this.readPath && this.readFd === null)
            this.readFd = await this.openFd(this.readPath, fs.constants.O_RDONLY);
          const rfd = this.readFd ?? fd;
          if (!alive()) return new Uint8Array();
          const { bytesWritten } = await this.io(() => write(fd, command));
          if (bytesWritten !== command.length) {
            throw new TpmTransportError(
              this.name,
              `the driver took ${bytesWritten} of ${command.length} bytes`,
            );
          }
          const buf = Buffer.alloc(8192);
          let got = 0;
          let size = 0;
          while (size === 0 || got < size) {
            if (!alive()) return new Uint8Array();
            const { bytesRead } = await this.io(() => read(rfd, buf, got, buf.length - got, null));
            if (bytesRead === 0) {
              throw new TpmTransportError(
                this.name,
                `the device returned no response to TPM2_${name}`,
              );
            }
            got += bytesRead;
            if (size === 0 && got >= 10) size = responseSize(buf, name);
            if (size > buf.length)
              throw new TpmFormatError(
                name,
                `response of ${size} bytes is larger than a TPM sends`,
              );
          }
          if (got > size)
            throw new TpmFormatError(
              name,
              `${got - size} bytes beyond the response's size of ${size}`,
            );
          return new Uint8Array(buf.subarray(0, size));
        },
        () => this.closeFds(),
      );
    } catch (e) {
      this.closeFds();
      throw e;
    } finally {
      this.busy = false;
    }
  }

  private async io<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (e instanceof TpmTransportError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new TpmTransportError(this.name, `I/O error on ${this.path}: ${code}`, { cause: e });
    }
  }

  /**
   * Closing does not wait for a read still blocked in the kernel (it ends with the driver's
   * own timeout); the next command opens the device afresh.
   */
  private closeFds(): void {
    for (const fd of [this.fd, this.readFd]) if (fd !== null) fs.close(fd, () => {});
    this.fd = null;
    this.readFd = null;
  }

  async close(): Promise<void> {
    this.inFlight.dispose();
    this.closeFds();
  }
}
