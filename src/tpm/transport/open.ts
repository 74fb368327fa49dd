/**
 * TPM names: the one string form by which every command, file and screen names a TPM
 * (docs/tpm.md).
 *
 *   device:/dev/tpmrm0                    Linux kernel resource manager (the normal case)
 *   device:/dev/tpm0                      raw device: refused unless forced (no resource manager)
 *   swtpm:tcp://127.0.0.1:2321            swtpm over TCP; control channel on port + 1
 *   swtpm:tcp://127.0.0.1:2321?ctrl=4000  … with the control channel on another port
 *   swtpm:unix:/run/ztp/tpm0/swtpm.sock   swtpm over a unix socket; control at `<path>.ctrl`
 *   swtpm:unix:/p/data.sock?ctrl=/p/c.sock … with the control socket elsewhere
 */
import { DeviceTransport } from './device.ts';
import { SocketTransport, SwtpmControl, type SocketAddress } from './socket.ts';
import type { Transport } from './transport.ts';

export type TpmAddress =
  | { kind: 'device'; path: string; raw: boolean }
  | { kind: 'swtpm'; data: SocketAddress; ctrl: SocketAddress };

export class TpmNameError extends Error {
  constructor(name: string, why: string) {
    super(
      `'${name}' is not a TPM name: ${why}. Use device:/dev/tpmrmN, swtpm:tcp://HOST:PORT or swtpm:unix:/PATH`,
    );
    this.name = 'TpmNameError';
  }
}

export function parseTpmName(name: string): TpmAddress {
  const m = /^(device|swtpm):(.*)$/.exec(name);
  if (!m) throw new TpmNameError(name, 'it must start with device: or swtpm:');
  const rest = m[2]!;
  if (m[1] === 'device') {
    const dm = /^(\/dev\/tpm(rm)?\d+)$/.exec(rest);
    if (!dm) throw new TpmNameError(name, 'a device is /dev/tpmrmN (or /dev/tpmN)');
    return { kind: 'device', path: dm[1]!, raw: dm[2] === undefined };
  }
  const [addr, query = ''] = rest.split('?', 2) as [string, string?];
  const ctrlParam = new URLSearchParams(query).get('ctrl');
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr);
  if (tcp) {
    const host = tcp[1]!.replace(/^\[|\]$/g, '');
    const port = Number(tcp[2]);
    if (port < 1 || port > 65534) throw new TpmNameError(name, `port ${port} is out of range`);
    const ctrlPort = ctrlParam === null ? port + 1 : Number(ctrlParam);
    if (!Number.isInteger(ctrlPort) || ctrlPort < 1 || ctrlPort > 65535) {
      throw new TpmNameError(name, `control port '${ctrlParam}' is not a port number`);
    }
    return { kind: 'swtpm', data: { host, port }, ctrl: { host, port: ctrlPort } };
  }
  const unix = /^unix:(\/.+)$/.exec(addr);
  if (unix) {
    const path = unix[1]!;
    return { kind: 'swtpm', data: { path }, ctrl: { path: ctrlParam ?? `${path}.ctrl` } };
  }
  throw new TpmNameError(name, 'swtpm: is followed by tcp://HOST:PORT or unix:/PATH');
}

export interface TransportOptions {
  /** Allow a raw /dev/tpmN (no resource manager); a warning is still given. */
  forceRawDevice?: boolean;
  /** Where warnings go (default: stderr). */
  onWarning?: (message: string) => void;
}

export function openTransport(
  name: string,
  options: TransportOptions = {},
): { transport: Transport; control?: SwtpmControl } {
  const a = parseTpmName(name);
  if (a.kind === 'device') {
    if (a.raw) {
      if (!options.forceRawDevice) {
        throw new TpmNameError(
          name,
          `${a.path} is the raw device without the kernel's resource manager; use ${a.path.replace('tpm', 'tpmrm')}, or force the raw device`,
        );
      }
      (options.onWarning ?? ((m: string) => process.stderr.write(m + '\n')))(
        `warning: ${a.path} is the raw TPM device: no resource manager, exclusive access; objects and sessions left loaded stay loaded`,
      );
    }
    return { transport: new DeviceTransport(name, a.path) };
  }
  return { transport: new SocketTransport(name, a.data), control: new SwtpmControl(name, a.ctrl) };
}
