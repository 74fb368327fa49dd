// The one IPP request the workstation makes itself: Get-Job-Attributes (RFC 8011 §4.3.4),
// encoded per RFC 8010. `lpstat` cannot tell a completed job from a cancelled or aborted one,
// and a label that silently failed to print must not count as printed.
import http from 'node:http';

const IPP_VERSION = [0x02, 0x00];
const OP_GET_JOB_ATTRIBUTES = 0x0009;
const TAG = {
  operationAttributes: 0x01,
  end: 0x03,
  integer: 0x21,
  enum: 0x23,
  uri: 0x45,
  charset: 0x47,
  naturalLanguage: 0x48,
  nameWithoutLanguage: 0x42,
  keyword: 0x44,
} as const;

export type IppValue = string | number;

function attribute(tag: number, name: string, value: string | number): Buffer[] {
  const n = Buffer.from(name, 'utf8');
  const v =
    typeof value === 'number'
      ? Buffer.from([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff])
      : Buffer.from(value, 'utf8');
  const header = Buffer.alloc(3);
  header[0] = tag;
  header.writeUInt16BE(n.length, 1);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(v.length);
  return [header, n, len, v];
}

/** Encodes a Get-Job-Attributes request for `jobId` asking for `attributes`. */
export function encodeGetJobAttributes(jobId: number, attributes: string[], requestId = 1): Buffer {
  const head = Buffer.alloc(8);
  head.set(IPP_VERSION, 0);
  head.writeUInt16BE(OP_GET_JOB_ATTRIBUTES, 2);
  head.writeUInt32BE(requestId, 4);
  const parts: Buffer[] = [head, Buffer.from([TAG.operationAttributes])];
  parts.push(...attribute(TAG.charset, 'attributes-charset', 'utf-8'));
  parts.push(...attribute(TAG.naturalLanguage, 'attributes-natural-language', 'en'));
  parts.push(...attribute(TAG.uri, 'printer-uri', 'ipp://localhost/'));
  parts.push(...attribute(TAG.integer, 'job-id', jobId));
  parts.push(...attribute(TAG.nameWithoutLanguage, 'requesting-user-name', 'ztp'));
  attributes.forEach((a, i) =>
    parts.push(...attribute(TAG.keyword, i === 0 ? 'requested-attributes' : '', a)),
  );
  parts.push(Buffer.from([TAG.end]));
  return Buffer.concat(parts);
}

export interface IppResponse {
  statusCode: number;
  attributes: Map<string, IppValue[]>;
}

/** Decodes an IPP response; integers and enums become numbers, everything else text. */
export function decodeIppResponse(body: Buffer): IppResponse {
  if (body.length < 9) throw new Error(`IPP response is ${body.length} bytes, too short`);
  const statusCode = body.readUInt16BE(2);
  const attributes = new Map<string, IppValue[]>();
  let pos = 8;
  let last = '';
  while (pos < body.length) {
    const tag = body[pos++]!;
    if (tag === TAG.end) break;
    if (tag < 0x10) continue; // a group delimiter: attributes of the next group follow
    if (pos + 2 > body.length) throw new Error('IPP response ends inside an attribute');
    const nameLen = body.readUInt16BE(pos);
    pos += 2;
    const name = body.subarray(pos, pos + nameLen).toString('utf8');
    pos += nameLen;
    const valueLen = body.readUInt16BE(pos);
    pos += 2;
    if (pos + valueLen > body.length) throw new Error('IPP response ends inside a value');
    const raw = body.subarray(pos, pos + valueLen);
    pos += valueLen;
    const value: IppValue =
      (tag === TAG.integer || tag === TAG.enum) && valueLen === 4
        ? raw.readInt32BE(0)
        : raw.toString('utf8');
    if (nameLen > 0) last = name;
    const list = attributes.get(last) ?? [];
    list.push(value);
    attributes.set(last, list);
  }
  return { statusCode, attributes };
}

/** Where CUPS listens: a unix socket path, or host[:port]. */
export interface IppEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

export function parseCupsServer(server: string): IppEndpoint {
  if (server.startsWith('/')) return { socketPath: server };
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(server);
  if (!m)
    throw new Error(
      `cannot read CUPS server address '${server}'; use HOST[:PORT] or a socket path`,
    );
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 631 };
}

/** POSTs an IPP request to CUPS and decodes the reply. */
export function ippRequest(
  endpoint: IppEndpoint,
  path: string,
  body: Buffer,
  timeoutMs = 10_000,
): Promise<IppResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...(endpoint.socketPath
          ? { socketPath: endpoint.socketPath }
          : { host: endpoint.host, port: endpoint.port }),
        path,
        method: 'POST',
        headers: {
          'Content-Type': 'application/ipp',
          'Content-Length': body.length,
          Host: 'localhost',
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`CUPS answered HTTP ${res.statusCode} to an IPP request`));
            return;
          }
          try {
            resolve(decodeIppResponse(Buffer.concat(chunks)));
          } catch (e) {
            reject(e as Error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`CUPS did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
