/**
 * swtpm's data channel over TCP or a unix socket: raw TPM command bytes in, raw response
 * bytes out, framed by the size in the response header. swtpm serves one connection at a
 * time; a connection is opened on the first command and again after any failure.
 */
import net from 'node:net';
import { TpmFormatError, TpmTransportError } from '../errors.ts';
import { InFlight, responseSize, type SendOptions, type Transport } from './transport.ts';

export type SocketAddress = { path: string } | { host: string; port: number };

interface Pending {
  resolve(b: Uint8Array): void;
  reject(e: Error): void;
  command: string;
}

export class SocketTransport implements Transport {
  private socket: net.Socket | null = null;
  private pending: Pending | null = null;
  private chunks: Buffer[] = [];
  private received = 0;
  private busy = false;
  private readonly inFlight: InFlight;

  constructor(
    readonly name: string,
    private readonly address: SocketAddress,
  ) {
    this.inFlight = new InFlight(name);
  }

  private describe(): string {
    return 'path' in this.address
      ? `unix socket ${this.address.path}`
      : `${this.address.host}:${this.address.port}`;
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.address);
      const onError = (e: NodeJS.ErrnoException): void => {
        socket.destroy();
        const busy =
          e.code === 'EAGAIN' ? ': busy with other connections (swtpm serves one at a time)' : '';
        reject(
          new TpmTransportError(
            this.name,
            `cannot connect to ${this.describe()} (${e.code ?? e.message})${busy}`,
            {
              cause: e,
            },
          ),
        );
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        if ('port' in this.address) socket.setNoDelay(true);
        socket.on('data', (d: Buffer) => this.onData(socket, d));
        socket.on('error', (e: NodeJS.ErrnoException) =>
          this.onGone(socket, `connection lost (${e.code ?? e.message})`),
        );
        socket.on('close', () => this.onGone(socket, 'connection closed by the TPM'));
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private onGone(socket: net.Socket, why: string): void {
    if (this.socket !== socket) return;
    this.socket = null;
    const p = this.pending;
    this.pending = null;
    p?.reject(new TpmTransportError(this.name, `${why} during TPM2_${p.command}`));
  }

  private onData(socket: net.Socket, d: Buffer): void {
    const p = this.pending;
    if (!p || this.socket !== socket) {
      // Bytes nobody asked for: the stream is out of step, so start afresh next time.
      this.drop();
      return;
    }
    this.chunks.push(d);
    this.received += d.length;
    if (this.received < 10) return;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [all];
    let size: number;
    try {
      size = responseSize(all, p.command);
    } catch (e) {
      this.pending = null;
      this.drop();
      p.reject(e as Error);
      return;
    }
    if (this.received < size) return;
    this.pending = null;
    if (this.received > size) {
      this.drop();
      p.reject(
        new TpmFormatError(
          p.command,
          `${this.received - size} bytes beyond the response's size of ${size}`,
        ),
      );
      return;
    }
    p.resolve(new Uint8Array(all.buffer, all.byteOffset, size).slice());
  }

  /** Drops the connection (after a failure, timeout or cancellation). */
  private drop(): void {
    const s = this.socket;
    this.socket = null;
    s?.destroy();
  }

  async send(command: Uint8Array, options: SendOptions): Promise<Uint8Array> {
    if (this.busy) throw new Error(`${this.name}: a command is already in flight`);
    this.busy = true;
    const name = options.command ?? 'command';
    try {
      return await this.inFlight.run(
        options,
        async (alive) => {
          const socket = this.socket ?? (await this.connect());
          if (!alive()) return new Uint8Array();
          this.chunks = [];
          this.received = 0;
          return new Promise<Uint8Array>((resolve, reject) => {
            this.pending = { resolve, reject, command: name };
            socket.write(command);
          });
        },
        () => {
          this.pending = null;
          this.drop();
        },
      );
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    this.inFlight.dispose();
    const p = this.pending;
    this.pending = null;
    p?.reject(
      new TpmTransportError(this.name, `the connection was closed during TPM2_${p.command}`),
    );
    const s = this.socket;
    this.socket = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 1000).unref();
    });
  }
}

/** swtpm's control channel commands (swtpm's tpm_ioctl.h, "Commands used by the non-CUSE TPMs"). */
export const SWTPM_CTRL = {
  GET_CAPABILITY: 1,
  INIT: 2,
  SHUTDOWN: 3,
  GET_TPMESTABLISHED: 4,
  SET_LOCALITY: 5,
  CANCEL_TPM_CMD: 9,
  STORE_VOLATILE: 10,
  STOP: 14,
} as const;

/**
 * The swtpm control channel: one short connection per request. `init` is _TPM_Init (a power
 * cycle: send TPM2_Startup next), `shutdown` ends the swtpm process, `setLocality` selects
 * the locality of later commands, `cancel` asks the TPM to cancel the command in flight.
 */
export class SwtpmControl {
  constructor(
    readonly name: string,
    private readonly address: SocketAddress,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Sends one control command; resolves with the payload after the 4-byte result. */
  async request(
    cmd: number,
    payload: Uint8Array = new Uint8Array(),
    what = `control command ${cmd}`,
  ): Promise<Uint8Array> {
    const msg = Buffer.alloc(4 + payload.length);
    msg.writeUInt32BE(cmd, 0);
    msg.set(payload, 4);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = net.connect(this.address);
      const chunks: Buffer[] = [];
      let got = 0;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new TpmTransportError(
            this.name,
            `no answer to swtpm ${what} within ${this.timeoutMs} ms`,
          ),
        );
      }, this.timeoutMs);
      socket.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new TpmTransportError(this.name, `swtpm control channel: ${e.code ?? e.message}`, {
            cause: e,
          }),
        );
      });
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        if (got >= 4) {
          clearTimeout(timer);
          socket.end();
          resolve(Buffer.concat(chunks));
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (got < 4)
          reject(
            new TpmTransportError(this.name, `swtpm closed the control channel during ${what}`),
          );
      });
      socket.on('connect', () => socket.write(msg));
    });
    const result = reply.readUInt32BE(0);
    if (result !== 0) {
      throw new TpmTransportError(
        this.name,
        `swtpm ${what} failed with result 0x${result.toString(16)}`,
      );
    }
    return new Uint8Array(reply.subarray(4));
  }

  /** _TPM_Init: resets the TPM as at power-on; TPM2_Startup must follow. */
  async init(deleteVolatile = false): Promise<void> {
    const p = Buffer.alloc(4);
    p.writeUInt32BE(deleteVolatile ? 1 : 0);
    await this.request(SWTPM_CTRL.INIT, p, 'init');
  }
  /** Ends the swtpm process (it saves its state first). */
  async shutdown(): Promise<void> {
    await this.request(SWTPM_CTRL.SHUTDOWN, undefined, 'shutdown');
  }
  async setLocality(locality: number): Promise<void> {
    await this.request(SWTPM_CTRL.SET_LOCALITY, Uint8Array.of(locality), 'set locality');
  }
  async cancel(): Promise<void> {
    await this.request(SWTPM_CTRL.CANCEL_TPM_CMD, undefined, 'cancel');
  }
}
