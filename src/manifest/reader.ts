import { open, stat } from 'node:fs/promises';
import type { JsonValue } from './canonical-json.ts';
import { fromBase64Url } from './encoding.ts';
import { decodeProtectedHeader, JwsError, SigningInputHash, type JwsHeader } from './jws.ts';
import { JsonStreamParser, JsonSyntaxError } from './json-stream.ts';
import { DEVICE_ARRAYS } from './records.ts';

/**
 * Reads a manifest file in two streaming passes: the first finds the JWS members of the
 * flattened serialization (RFC 7515 §7.2.2) without decoding the payload; the second hashes
 * the signing input and decodes and parses the payload piece by piece. Two passes because the
 * signing input starts with the protected header, which canonical member order places after
 * the payload; a file can be read twice, a batch should not be held in memory once.
 */

/** Default largest manifest accepted: 100k devices take about 400 MB. */
export const DEFAULT_MAX_MANIFEST_BYTES = 2 * 1024 ** 3;
const MAX_SMALL_MEMBER = 64 * 1024;
/** Small enough that a chunk's transient copies (text, decoded bytes) stay a few hundred KiB. */
const READ_CHUNK = 1 << 18;

/** The file is not a readable manifest: the CLI exits with the usage/malformed code. */
export class ManifestFormatError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ManifestFormatError';
  }
}

export interface Envelope {
  header: JwsHeader;
  encodedHeader: string;
  signature: Uint8Array;
  /** Byte range of the payload's base64url text in the file. */
  payloadStart: number;
  payloadEnd: number;
  /** True when the envelope is exactly the canonical JSON our writer produces. */
  canonical: boolean;
  fileBytes: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Pass 1: the envelope. Throws ManifestFormatError when it is not a flattened JWS. */
export async function readEnvelope(
  file: string,
  maxBytes = DEFAULT_MAX_MANIFEST_BYTES,
): Promise<Envelope> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new ManifestFormatError(`${file} is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof ManifestFormatError) throw e;
    throw new ManifestFormatError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (size === 0) throw new ManifestFormatError(`${file} is empty`);
  if (size > maxBytes) {
    throw new ManifestFormatError(
      `${file} is ${size} bytes, more than the ${maxBytes} accepted; if it is genuine, raise the limit (--max-bytes)`,
    );
  }

  type State = 'start' | 'key' | 'colon' | 'value' | 'inValue' | 'inKey' | 'comma' | 'end';
  let state: State = 'start';
  let whitespace = false;
  const order: string[] = [];
  const members = new Map<string, { start: number; end: number; text: string[] }>();
  let keyParts: string[] = [];
  let current: { start: number; end: number; text: string[] } | undefined;
  let currentKey = '';
  let textBytes = 0;
  let offset = 0;
  const fail = (why: string, at: number) => {
    throw new ManifestFormatError(
      `${file} is not a JWS in JSON serialization: ${why} (at byte ${at})`,
    );
  };

  const handle = await open(file, 'r');
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: READ_CHUNK })) {
      const buf = chunk as Buffer;
      let i = 0;
      while (i < buf.length) {
        const b = buf[i]!;
        const at = offset + i;
        if (state === 'inKey' || state === 'inValue') {
          const q = buf.indexOf(0x22, i);
          const end = q === -1 ? buf.length : q;
          const bs = buf.indexOf(0x5c, i);
          if (bs !== -1 && bs < end) {
            fail('a JWS member holds a JSON escape, which base64url text never needs', offset + bs);
          }
          if (state === 'inKey') {
            keyParts.push(buf.toString('latin1', i, end));
          } else if (currentKey !== 'payload') {
            textBytes += end - i;
            if (textBytes > MAX_SMALL_MEMBER) fail(`member '${currentKey}' is too long`, at);
            current!.text.push(buf.toString('latin1', i, end));
          }
          if (q === -1) {
            i = buf.length;
            continue;
          }
          if (state === 'inKey') {
            currentKey = keyParts.join('');
            if (members.has(currentKey)) fail(`member '${currentKey}' appears twice`, at);
            state = 'colon';
          } else {
            current!.end = offset + q;
            state = 'comma';
          }
          i = q + 1;
          continue;
        }
        if (WS.has(b)) {
          whitespace = true;
          i++;
          continue;
        }
        if (state === 'start') {
          if (b !== 0x7b) fail(b === 0x5b ? 'it is a JSON array' : 'it does not start with {', at);
          state = 'key';
        } else if (state === 'key') {
          if (b === 0x7d && members.size === 0) state = 'end';
          else if (b !== 0x22) fail('a member name was expected', at);
          else {
            keyParts = [];
            state = 'inKey';
          }
        } else if (state === 'colon') {
          if (b !== 0x3a) fail("':' was expected", at);
          state = 'value';
        } else if (state === 'value') {
          if (b !== 0x22) {
            fail(
              currentKey === 'signatures'
                ? 'the general JWS serialization is not accepted; a manifest has one signature (flattened serialization)'
                : `member '${currentKey}' is not a string (an unprotected header is not accepted)`,
              at,
            );
          }
          current = { start: at + 1, end: -1, text: [] };
          textBytes = 0;
          members.set(currentKey, current);
          order.push(currentKey);
          state = 'inValue';
        } else if (state === 'comma') {
          if (b === 0x2c) state = 'key';
          else if (b === 0x7d) state = 'end';
          else fail("',' or '}' was expected", at);
        } else {
          fail('there is data after the end of the JWS object', at);
        }
        i++;
      }
      offset += buf.length;
    }
  } finally {
    await handle.close();
  }
  if (state !== 'end') fail('the file ends before the JWS object does (truncated?)', offset);
  for (const name of order) {
    if (!['payload', 'protected', 'signature'].includes(name)) {
      fail(`member '${name}' is not part of a flattened JWS`, 0);
    }
  }
  const payload = members.get('payload');
  const prot = members.get('protected');
  const sig = members.get('signature');
  if (!payload || !prot || !sig) {
    fail(
      `members ${['payload', 'protected', 'signature'].filter((m) => !members.has(m)).join(', ')} are missing`,
      offset,
    );
  }
  const encodedHeader = prot!.text.join('');
  let header: JwsHeader;
  let signature: Uint8Array;
  try {
    header = decodeProtectedHeader(encodedHeader);
    signature = fromBase64Url(sig!.text.join(''), 'the JWS signature');
  } catch (e) {
    throw new ManifestFormatError(`${file}: ${(e as Error).message}`);
  }
  return {
    header,
    encodedHeader,
    signature,
    payloadStart: payload!.start,
    payloadEnd: payload!.end,
    canonical: !whitespace && order.join(',') === 'payload,protected,signature',
    fileBytes: size,
  };
}

export interface PayloadHandlers {
  onMember?: (key: string, value: JsonValue) => void;
  onItem?: (member: string, index: number, value: JsonValue, raw: Uint8Array) => void;
  /** Awaited after each piece, so slow checks can hold the reading back. */
  afterChunk?: () => Promise<void>;
}

export interface PayloadResult {
  /** SHA-256 of the JWS signing input. */
  signingDigest: Uint8Array;
  /** The payload with its device arrays empty. */
  top: JsonValue;
  /** The payload's text outside the device arrays, and its whitespace count. */
  skeleton: Uint8Array;
  whitespaceBytes: number;
}

/** Whether every byte is in the base64url alphabet (RFC 4648 §5), checked without a copy. */
function isBase64UrlText(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const ok =
      (b >= 0x41 && b <= 0x5a) || // A-Z
      (b >= 0x61 && b <= 0x7a) || // a-z
      (b >= 0x30 && b <= 0x39) || // 0-9
      b === 0x2d || // -
      b === 0x5f; // _
    if (!ok) return false;
  }
  return true;
}

/** Pass 2: hashes the signing input and parses the payload, streaming device elements out. */
export async function readPayload(
  file: string,
  envelope: Envelope,
  handlers: PayloadHandlers,
): Promise<PayloadResult> {
  const hash = new SigningInputHash(envelope.encodedHeader);
  const parser = new JsonStreamParser({
    streamedArrays: DEVICE_ARRAYS,
    onItem: handlers.onItem,
    onMember: handlers.onMember,
    maxSkeletonBytes: 8 * 1024 * 1024,
  });
  // Base64url decodes in independent 4-character quanta: the few characters a chunk ends
  // with are carried into the next one, and every chunk is decoded on its own, in place.
  let carry = '';
  const feed = (chunk: Buffer) => {
    let from = 0;
    if (carry.length > 0) {
      from = Math.min(4 - carry.length, chunk.length);
      carry += chunk.toString('latin1', 0, from);
      if (carry.length < 4) return;
      parser.write(Buffer.from(carry, 'base64url'));
      carry = '';
    }
    const usable = chunk.length - ((chunk.length - from) % 4);
    if (usable > from)
      parser.write(Buffer.from(chunk.toString('latin1', from, usable), 'base64url'));
    carry = chunk.toString('latin1', usable);
  };
  try {
    if (envelope.payloadEnd > envelope.payloadStart) {
      const handle = await open(file, 'r');
      try {
        const stream = handle.createReadStream({
          start: envelope.payloadStart,
          end: envelope.payloadEnd - 1,
          highWaterMark: READ_CHUNK,
        });
        for await (const chunk of stream) {
          const bytes = chunk as Buffer;
          if (!isBase64UrlText(bytes)) {
            throw new ManifestFormatError(`${file}: the JWS payload is not base64url text`);
          }
          hash.update(bytes);
          feed(bytes);
          if (handlers.afterChunk) await handlers.afterChunk();
        }
      } finally {
        await handle.close();
      }
    }
    if (carry.length === 1) {
      throw new ManifestFormatError(`${file}: the JWS payload's base64url text has a bad length`);
    }
    if (carry.length > 0) {
      // fromBase64Url rejects set unused bits, so each payload has exactly one text form.
      parser.write(fromBase64Url(carry, 'the JWS payload'));
    }
    const top = parser.end();
    return {
      signingDigest: hash.digest(),
      top,
      skeleton: parser.skeleton,
      whitespaceBytes: parser.whitespaceBytes,
    };
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      throw new ManifestFormatError(
        `${file}: the manifest payload is not valid JSON: ${e.message}`,
      );
    }
    if (e instanceof JwsError) throw new ManifestFormatError(`${file}: ${e.message}`);
    throw e;
  }
}
