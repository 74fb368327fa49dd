/**
 * Big-endian marshalling for TPM 2.0 structures (Part 1 §18, Part 2 §4–§12).
 *
 * Every type is a Codec: one value that both writes and reads, so the two directions cannot
 * drift apart. Reading past the end of the buffer, a size field larger than the type allows,
 * or bytes left over inside a sized structure throw a MarshalError; nothing returns a status.
 */
import { MarshalError } from './errors.ts';

export class Writer {
  private buf = new Uint8Array(128);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number): this {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.reserve(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.reserve(4);
    this.buf[this.len++] = (v >>> 24) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    return this.u32(Number(v & 0xffffffffn));
  }
  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  get length(): number {
    return this.len;
  }
  /** Overwrites a u16 or u32 already written (for size fields known only afterwards). */
  patchU32(at: number, v: number): void {
    new DataView(this.buf.buffer).setUint32(at, v >>> 0);
  }
  patchU16(at: number, v: number): void {
    new DataView(this.buf.buffer).setUint16(at, v);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(
    private readonly buf: Uint8Array,
    private readonly start = 0,
    private readonly end = buf.length,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }
  private need(n: number, what: string): number {
    if (this.pos + n > this.end) {
      throw new MarshalError(
        `truncated: ${what} needs ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(what = 'UINT8'): number {
    return this.view.getUint8(this.need(1, what));
  }
  u16(what = 'UINT16'): number {
    return this.view.getUint16(this.need(2, what));
  }
  u32(what = 'UINT32'): number {
    return this.view.getUint32(this.need(4, what));
  }
  i32(what = 'INT32'): number {
    return this.view.getInt32(this.need(4, what));
  }
  u64(what = 'UINT64'): bigint {
    return this.view.getBigUint64(this.need(8, what));
  }
  bytes(n: number, what = 'bytes'): Uint8Array {
    const at = this.need(n, what);
    return this.buf.slice(at, at + n);
  }
  /** A reader over the next n bytes, which this reader skips. */
  sub(n: number, what: string): Reader {
    const at = this.need(n, what);
    return new Reader(this.buf, at, at + n);
  }
  get offset(): number {
    return this.pos - this.start;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  /** Throws unless every byte was consumed. */
  done(what: string): void {
    if (this.pos !== this.end) {
      throw new MarshalError(`${this.end - this.pos} unexpected bytes after ${what}`);
    }
  }
}

export interface Codec<T> {
  /** The Part 2 name, used in error messages. */
  readonly name: string;
  write(w: Writer, v: T): void;
  read(r: Reader): T;
}

export type CodecType<C> = C extends Codec<infer T> ? T : never;

export function codec<T>(
  name: string,
  write: (w: Writer, v: T) => void,
  read: (r: Reader) => T,
): Codec<T> {
  return { name, write, read };
}

export const UINT8 = codec<number>(
  'UINT8',
  (w, v) => w.u8(v),
  (r) => r.u8(),
);
export const UINT16 = codec<number>(
  'UINT16',
  (w, v) => w.u16(v),
  (r) => r.u16(),
);
export const UINT32 = codec<number>(
  'UINT32',
  (w, v) => w.u32(v),
  (r) => r.u32(),
);
export const INT32 = codec<number>(
  'INT32',
  (w, v) => w.u32(v >>> 0),
  (r) => r.i32(),
);
export const UINT64 = codec<bigint>(
  'UINT64',
  (w, v) => w.u64(v),
  (r) => r.u64(),
);
export const TPMI_YES_NO = codec<boolean>(
  'TPMI_YES_NO',
  (w, v) => w.u8(v ? 1 : 0),
  (r) => {
    const v = r.u8('TPMI_YES_NO');
    if (v > 1) throw new MarshalError(`TPMI_YES_NO is ${v}, not 0 or 1`);
    return v === 1;
  },
);

/** A TPM2B of raw bytes: UINT16 size, then that many bytes, at most `max`. */
export function tpm2b(name: string, max: number): Codec<Uint8Array> {
  return codec(
    name,
    (w, v) => {
      if (v.length > max) throw new MarshalError(`${name} of ${v.length} bytes exceeds ${max}`);
      w.u16(v.length).bytes(v);
    },
    (r) => {
      const size = r.u16(`${name}.size`);
      if (size > max) throw new MarshalError(`${name}.size ${size} exceeds the maximum ${max}`);
      return r.bytes(size, name);
    },
  );
}

/**
 * A TPM2B holding a structure (TPM2B_PUBLIC, TPM2B_NV_PUBLIC, TPM2B_ECC_POINT…): the inner
 * structure must fill its size exactly. `allowEmpty` maps size 0 to `undefined` (for
 * structures that may be absent, e.g. a TPM2B_ECC_POINT output that was not computed).
 */
export function sized<T>(name: string, inner: Codec<T>, max: number): Codec<T>;
export function sized<T>(
  name: string,
  inner: Codec<T>,
  max: number,
  allowEmpty: true,
): Codec<T | undefined>;
export function sized<T>(
  name: string,
  inner: Codec<T>,
  max: number,
  allowEmpty = false,
): Codec<T | undefined> {
  return codec<T | undefined>(
    name,
    (w, v) => {
      if (v === undefined) {
        w.u16(0);
        return;
      }
      const at = w.length;
      w.u16(0);
      inner.write(w, v);
      const size = w.length - at - 2;
      if (size > max) throw new MarshalError(`${name} of ${size} bytes exceeds ${max}`);
      w.patchU16(at, size);
    },
    (r) => {
      const size = r.u16(`${name}.size`);
      if (size === 0 && allowEmpty) return undefined;
      if (size > max) throw new MarshalError(`${name}.size ${size} exceeds the maximum ${max}`);
      const sub = r.sub(size, name);
      const v = inner.read(sub);
      sub.done(`${inner.name} inside ${name}`);
      return v;
    },
  );
}

type Fields = Record<string, Codec<unknown>>;
export type StructOf<F extends Fields> = { [K in keyof F]: CodecType<F[K]> };

/** A structure whose members are marshalled in the order the fields are listed. */
export function struct<F extends Fields>(name: string, fields: F): Codec<StructOf<F>> {
  const entries = Object.entries(fields);
  return codec(
    name,
    (w, v) => {
      for (const [k, c] of entries) c.write(w, (v as Record<string, unknown>)[k]);
    },
    (r) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.read(r);
      return out as StructOf<F>;
    },
  );
}

/** A TPML: UINT32 count, then that many items, at most `max`. */
export function list<T>(name: string, item: Codec<T>, max: number): Codec<T[]> {
  return codec(
    name,
    (w, v) => {
      if (v.length > max) throw new MarshalError(`${name} of ${v.length} items exceeds ${max}`);
      w.u32(v.length);
      for (const x of v) item.write(w, x);
    },
    (r) => {
      const count = r.u32(`${name}.count`);
      if (count > max) throw new MarshalError(`${name}.count ${count} exceeds the maximum ${max}`);
      const out: T[] = [];
      for (let i = 0; i < count; i++) out.push(item.read(r));
      return out;
    },
  );
}

/** A UINT16 or UINT32 restricted to known values (a TPMI_ type): others are rejected on read. */
export function oneOf(name: string, base: Codec<number>, allowed: Iterable<number>): Codec<number> {
  const set = new Set(allowed);
  return codec(name, base.write, (r) => {
    const v = base.read(r);
    if (!set.has(v)) throw new MarshalError(`${name} has unexpected value 0x${v.toString(16)}`);
    return v;
  });
}

/** Marshals one value to bytes. */
export function marshal<T>(c: Codec<T>, v: T): Uint8Array {
  const w = new Writer();
  c.write(w, v);
  return w.finish();
}

/** Unmarshals one value that must fill `bytes` exactly. */
export function unmarshal<T>(c: Codec<T>, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  const v = c.read(r);
  r.done(c.name);
  return v;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${s.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
