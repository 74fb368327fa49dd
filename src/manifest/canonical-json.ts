/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). The manifest's payload and every device record
 * (the Merkle leaves) are serialized this way, so the same data always gives the same bytes on
 * any platform and a receiver can re-derive a leaf from a parsed record.
 *
 * RFC 8785 defines its serialization through ECMAScript's own: strings as `JSON.stringify`
 * writes them (§3.2.2.2), numbers as `Number.prototype.toString` (§3.2.2.3), object members
 * sorted by their UTF-16 code units (§3.2.3), which is what `Array.prototype.sort` does without
 * a comparator. What ECMAScript lets through and JCS forbids is rejected here: lone surrogates,
 * non-finite numbers, and values that are not JSON (undefined in arrays, bytes, class instances).
 * The `canonicalize` package does the same serialization but accepts lone surrogates and
 * cannot stream, so this small function is ours.
 */

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serializeString(s: string, where: string): string {
  if (LONE_SURROGATE.test(s)) {
    throw new CanonicalJsonError(
      `${where}: string holds a lone UTF-16 surrogate (RFC 8785 §3.2.2.2)`,
    );
  }
  return JSON.stringify(s);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function serialize(value: unknown, where: string, out: string[]): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new CanonicalJsonError(`${where}: ${value} is not a JSON number (RFC 8785 §3.2.2.3)`);
    }
    // String(-0) is "0", as §3.2.2.3 requires.
    out.push(String(value));
  } else if (typeof value === 'string') {
    out.push(serializeString(value, where));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      if (item === undefined) throw new CanonicalJsonError(`${where}[${i}]: undefined is not JSON`);
      serialize(item, `${where}[${i}]`, out);
    });
    out.push(']');
  } else if (typeof value === 'object' && isPlainObject(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      // An optional property left undefined is simply absent, as with JSON.stringify.
      ([, v]) => v !== undefined,
    );
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out.push('{');
    entries.forEach(([k, v], i) => {
      if (i > 0) out.push(',');
      out.push(serializeString(k, `${where}.${k}`), ':');
      serialize(v, `${where}.${k}`, out);
    });
    out.push('}');
  } else {
    const kind = value === undefined ? 'undefined' : (value?.constructor?.name ?? typeof value);
    throw new CanonicalJsonError(`${where}: ${kind} is not a JSON value`);
  }
}

/** The RFC 8785 canonical text of `value`. Throws CanonicalJsonError for non-JSON values. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  serialize(value, '$', out);
  return out.join('');
}

/** The RFC 8785 canonical UTF-8 bytes of `value`. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}
