import type { JsonValue } from './canonical-json.ts';

/**
 * A strict, streaming JSON (RFC 8259) parser for manifests that may be hundreds of megabytes.
 *
 * Why not JSON.parse or a streaming library: JSON.parse needs the whole text as one string
 * (V8 caps strings near 512 MiB) and keeps the last of duplicate keys without a word; the
 * streaming libraries on npm also accept duplicate keys and do not hand out the raw bytes of
 * an element. A signed document whose members can be read two ways is not a signed document,
 * so duplicates are an error here, with the path where they occur.
 *
 * Elements of selected top-level arrays (the device lists) are handed to `onItem` one at a
 * time with their exact bytes, and are not kept: memory stays bounded by one element.
 */

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'JsonSyntaxError';
  }
}

export interface JsonStreamOptions {
  /** Top-level members whose array elements go to `onItem` instead of into the result. */
  streamedArrays?: ReadonlySet<string>;
  onItem?: (member: string, index: number, value: JsonValue, raw: Uint8Array) => void;
  /** Called when a member of the top-level object is complete (streamed arrays as []). */
  onMember?: (key: string, value: JsonValue) => void;
  /** Keep the text outside streamed arrays (see `skeleton`), up to this many bytes. */
  maxSkeletonBytes?: number;
  /** Deepest nesting accepted (default 64). */
  maxDepth?: number;
  /** Longest string or number token in bytes (default 4 MiB). */
  maxTokenBytes?: number;
  /** Largest streamed element in bytes (default 16 MiB). */
  maxItemBytes?: number;
}

type Container =
  | { kind: 'object'; value: Record<string, JsonValue>; key: string | undefined; path: string }
  | {
      kind: 'array';
      value: JsonValue[];
      path: string;
      /** Set when this array's elements are streamed out. */
      streamed?: { member: string; count: number };
    };

const enum Lex {
  Between,
  String,
  Literal,
}

const enum Expect {
  Value,
  ValueOrEnd,
  Key,
  KeyOrEnd,
  Colon,
  CommaOrEnd,
  Done,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function isLiteralByte(b: number): boolean {
  // Digits, letters (true/false/null/e/E) and + - . : anything else ends the token.
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x41 && b <= 0x5a) ||
    b === 0x2b ||
    b === 0x2d ||
    b === 0x2e
  );
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class JsonStreamParser {
  private readonly streamedArrays: ReadonlySet<string>;
  private readonly onItem: NonNullable<JsonStreamOptions['onItem']>;
  private readonly onMember: NonNullable<JsonStreamOptions['onMember']>;
  private readonly maxSkeletonBytes: number;
  private readonly maxDepth: number;
  private readonly maxTokenBytes: number;
  private readonly maxItemBytes: number;

  private lex = Lex.Between;
  private expect = Expect.Value;
  private readonly stack: Container[] = [];
  private result: JsonValue | undefined;
  private offset = 0;
  private tokenParts: Uint8Array[] = [];
  private tokenBytes = 0;
  private tokenStart = 0;
  private escapePending = false;
  /** Bytes of the streamed element being read, when one is open. */
  private capture: { parts: Uint8Array[]; bytes: number; depth: number } | undefined;
  /** Whether the bytes being read lie outside every streamed array. */
  private inSkeleton = true;
  private readonly skeletonParts: Buffer[] = [];
  private skeletonBytes = 0;
  /** Whitespace between tokens: canonical JSON (RFC 8785) has none. */
  whitespaceBytes = 0;

  constructor(options: JsonStreamOptions = {}) {
    this.streamedArrays = options.streamedArrays ?? new Set();
    this.onItem = options.onItem ?? (() => {});
    this.onMember = options.onMember ?? (() => {});
    this.maxSkeletonBytes = options.maxSkeletonBytes ?? 0;
    this.maxDepth = options.maxDepth ?? 64;
    this.maxTokenBytes = options.maxTokenBytes ?? 4 * 1024 * 1024;
    this.maxItemBytes = options.maxItemBytes ?? 16 * 1024 * 1024;
  }

  /** Feeds the next bytes. Throws JsonSyntaxError at the first error. */
  write(input: Uint8Array): void {
    const chunk = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const n = chunk.length;
    let captureFrom = 0;
    let skeletonFrom = 0;
    let i = 0;
    while (i < n) {
      if (this.lex === Lex.String) {
        i = this.scanString(chunk, i);
        continue;
      }
      const b = chunk[i]!;
      if (this.lex === Lex.Literal) {
        if (isLiteralByte(b)) {
          i = this.scanLiteral(chunk, i);
          continue;
        }
        this.finishLiteral();
      }
      if (isWhitespace(b)) {
        this.whitespaceBytes++;
        i++;
        continue;
      }
      const at = this.offset + i;
      if (b === QUOTE) {
        const parent = this.stack[this.stack.length - 1];
        if (this.expect === Expect.Value || this.expect === Expect.ValueOrEnd) {
          if (parent?.kind === 'array' && parent.streamed) {
            throw new JsonSyntaxError(
              `elements of '${parent.streamed.member}' must be objects or arrays`,
              at,
            );
          }
        } else if (this.expect !== Expect.Key && this.expect !== Expect.KeyOrEnd) {
          throw new JsonSyntaxError(`unexpected string ${this.describeExpect()}`, at);
        }
        this.lex = Lex.String;
        this.tokenStart = at;
        this.tokenParts = [];
        this.tokenBytes = 0;
        this.escapePending = false;
        // The opening quote is part of the token so that JSON.parse can decode it.
        i = this.scanString(chunk, i + 1, i);
        continue;
      }
      if (b === 0x7b || b === 0x5b) {
        this.expectValue(at);
        if (this.stack.length >= this.maxDepth) {
          throw new JsonSyntaxError(`nesting deeper than ${this.maxDepth} levels`, at);
        }
        const parent = this.stack[this.stack.length - 1];
        if (parent?.kind === 'array' && parent.streamed && !this.capture) {
          this.capture = { parts: [], bytes: 0, depth: this.stack.length };
          captureFrom = i;
        }
        const path = this.childPath();
        if (b === 0x7b) {
          this.stack.push({ kind: 'object', value: {}, key: undefined, path });
          this.expect = Expect.KeyOrEnd;
        } else {
          const member =
            this.stack.length === 1 && parent?.kind === 'object' ? parent.key : undefined;
          const streamed =
            member !== undefined && this.streamedArrays.has(member)
              ? { member, count: 0 }
              : undefined;
          this.stack.push({ kind: 'array', value: [], path, streamed });
          this.expect = Expect.ValueOrEnd;
          if (streamed) {
            this.keepSkeleton(chunk.subarray(skeletonFrom, i + 1), at);
            this.inSkeleton = false;
          }
        }
        i++;
        continue;
      }
      if (b === 0x7d || b === 0x5d) {
        const top = this.stack[this.stack.length - 1];
        const closesObject = b === 0x7d;
        if (
          !top ||
          (closesObject &&
            (top.kind !== 'object' ||
              (this.expect !== Expect.KeyOrEnd && this.expect !== Expect.CommaOrEnd))) ||
          (!closesObject &&
            (top.kind !== 'array' ||
              (this.expect !== Expect.ValueOrEnd && this.expect !== Expect.CommaOrEnd)))
        ) {
          throw new JsonSyntaxError(
            `unexpected '${String.fromCharCode(b)}' ${this.describeExpect()}`,
            at,
          );
        }
        this.stack.pop();
        if (top.kind === 'array' && top.streamed) {
          this.inSkeleton = true;
          skeletonFrom = i;
        }
        if (this.capture && this.stack.length === this.capture.depth) {
          this.capture.parts.push(chunk.subarray(captureFrom, i + 1));
          this.capture.bytes += i + 1 - captureFrom;
          this.checkCaptureSize(at);
          // A copy: the caller may keep it while the input buffer is reused.
          const raw =
            this.capture.parts.length === 1
              ? this.capture.parts[0]!.slice()
              : concat(this.capture.parts, this.capture.bytes);
          this.capture = undefined;
          const array = this.stack[this.stack.length - 1] as Extract<Container, { kind: 'array' }>;
          const streamed = array.streamed!;
          this.onItem(streamed.member, streamed.count++, top.value, raw);
          this.expect = Expect.CommaOrEnd;
        } else {
          this.addValue(top.value, at);
        }
        i++;
        continue;
      }
      if (b === 0x3a) {
        if (this.expect !== Expect.Colon) {
          throw new JsonSyntaxError(`unexpected ':' ${this.describeExpect()}`, at);
        }
        this.expect = Expect.Value;
        i++;
        continue;
      }
      if (b === 0x2c) {
        const top = this.stack[this.stack.length - 1];
        if (this.expect !== Expect.CommaOrEnd || !top) {
          throw new JsonSyntaxError(`unexpected ',' ${this.describeExpect()}`, at);
        }
        this.expect = top.kind === 'object' ? Expect.Key : Expect.Value;
        i++;
        continue;
      }
      if (isLiteralByte(b)) {
        this.expectValue(at);
        const parent = this.stack[this.stack.length - 1];
        if (parent?.kind === 'array' && parent.streamed) {
          throw new JsonSyntaxError(
            `elements of '${parent.streamed.member}' must be objects or arrays`,
            at,
          );
        }
        this.lex = Lex.Literal;
        this.tokenStart = at;
        this.tokenParts = [];
        this.tokenBytes = 0;
        i = this.scanLiteral(chunk, i);
        continue;
      }
      throw new JsonSyntaxError(
        `unexpected byte 0x${b.toString(16).padStart(2, '0')} ${this.describeExpect()}`,
        at,
      );
    }
    if (this.inSkeleton) this.keepSkeleton(chunk.subarray(skeletonFrom), this.offset + n);
    if (this.capture) {
      this.capture.parts.push(Buffer.from(chunk.subarray(captureFrom)));
      this.capture.bytes += n - captureFrom;
      this.checkCaptureSize(this.offset + n);
    }
    this.offset += n;
  }

  /** Ends the input and returns the parsed value (streamed arrays are left empty). */
  end(): JsonValue {
    if (this.lex === Lex.Literal) this.finishLiteral();
    if (this.lex === Lex.String) {
      throw new JsonSyntaxError('the input ends inside a string', this.offset);
    }
    if (this.expect !== Expect.Done || this.result === undefined) {
      throw new JsonSyntaxError(
        this.offset === 0 ? 'the input is empty' : 'the input ends before the JSON value does',
        this.offset,
      );
    }
    return this.result;
  }

  /** Bytes fed so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** The input outside streamed arrays (their brackets kept), when maxSkeletonBytes > 0. */
  get skeleton(): Uint8Array {
    return Buffer.concat(this.skeletonParts, this.skeletonBytes);
  }

  private keepSkeleton(part: Buffer, at: number): void {
    if (this.maxSkeletonBytes === 0 || part.length === 0) return;
    this.skeletonBytes += part.length;
    if (this.skeletonBytes > this.maxSkeletonBytes) {
      throw new JsonSyntaxError(
        `the document outside its device lists is larger than ${this.maxSkeletonBytes} bytes`,
        at,
      );
    }
    this.skeletonParts.push(Buffer.from(part));
  }

  private checkCaptureSize(at: number): void {
    if (this.capture && this.capture.bytes > this.maxItemBytes) {
      throw new JsonSyntaxError(`an array element is larger than ${this.maxItemBytes} bytes`, at);
    }
  }

  private scanString(chunk: Buffer, from: number, tokenFrom = from): number {
    const n = chunk.length;
    let j = from;
    if (this.escapePending && j < n) {
      this.escapePending = false;
      j++;
    }
    while (j < n) {
      const q = chunk.indexOf(QUOTE, j);
      const end = q === -1 ? n : q;
      const bs = chunk.indexOf(BACKSLASH, j);
      if (bs !== -1 && bs < end) {
        if (bs + 1 >= n) {
          this.escapePending = true;
          j = n;
          break;
        }
        j = bs + 2;
        continue;
      }
      if (q === -1) {
        j = n;
        break;
      }
      this.appendToken(chunk.subarray(tokenFrom, q + 1));
      this.finishString();
      return q + 1;
    }
    this.appendToken(Buffer.from(chunk.subarray(tokenFrom, n)));
    return n;
  }

  private scanLiteral(chunk: Buffer, from: number): number {
    let j = from;
    while (j < chunk.length && isLiteralByte(chunk[j]!)) j++;
    this.appendToken(Buffer.from(chunk.subarray(from, j)));
    return j;
  }

  private appendToken(part: Uint8Array): void {
    this.tokenParts.push(part);
    this.tokenBytes += part.length;
    if (this.tokenBytes > this.maxTokenBytes) {
      throw new JsonSyntaxError(
        `a string or number is longer than ${this.maxTokenBytes} bytes`,
        this.tokenStart,
      );
    }
  }

  private finishString(): void {
    this.lex = Lex.Between;
    const bytes = concat(this.tokenParts, this.tokenBytes);
    this.tokenParts = [];
    let text: string;
    let value: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new JsonSyntaxError('a string is not valid UTF-8', this.tokenStart);
    }
    try {
      value = JSON.parse(text) as string;
    } catch {
      throw new JsonSyntaxError(
        'a string holds a control character or a bad escape sequence',
        this.tokenStart,
      );
    }
    if (this.expect === Expect.Key || this.expect === Expect.KeyOrEnd) {
      const top = this.stack[this.stack.length - 1] as Extract<Container, { kind: 'object' }>;
      if (Object.hasOwn(top.value, value)) {
        throw new JsonSyntaxError(`duplicate key '${value}' in ${top.path}`, this.tokenStart);
      }
      top.key = value;
      this.expect = Expect.Colon;
      return;
    }
    this.addValue(value, this.tokenStart);
  }

  private finishLiteral(): void {
    this.lex = Lex.Between;
    const text = Buffer.from(concat(this.tokenParts, this.tokenBytes)).toString('latin1');
    this.tokenParts = [];
    let value: JsonValue;
    if (text === 'true') value = true;
    else if (text === 'false') value = false;
    else if (text === 'null') value = null;
    else if (NUMBER.test(text)) value = Number(text);
    else throw new JsonSyntaxError(`'${text.slice(0, 40)}' is not a JSON value`, this.tokenStart);
    this.addValue(value, this.tokenStart);
  }

  private expectValue(at: number): void {
    if (this.expect !== Expect.Value && this.expect !== Expect.ValueOrEnd) {
      throw new JsonSyntaxError(`unexpected value ${this.describeExpect()}`, at);
    }
  }

  private childPath(): string {
    const top = this.stack[this.stack.length - 1];
    if (!top) return '$';
    if (top.kind === 'object') return `${top.path}.${top.key}`;
    return `${top.path}[${top.value.length}]`;
  }

  private addValue(value: JsonValue, at: number): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (this.result !== undefined) throw new JsonSyntaxError('more than one JSON value', at);
      this.result = value;
      this.expect = Expect.Done;
      return;
    }
    if (top.kind === 'object') {
      if (this.stack.length === 1) this.onMember(top.key!, value);
      // defineProperty, not assignment: a key named "__proto__" must stay an own member.
      Object.defineProperty(top.value, top.key!, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      top.value.push(value);
    }
    this.expect = Expect.CommaOrEnd;
  }

  private describeExpect(): string {
    switch (this.expect) {
      case Expect.Value:
        return 'where a value was expected';
      case Expect.ValueOrEnd:
        return "where a value or ']' was expected";
      case Expect.Key:
        return 'where a key was expected';
      case Expect.KeyOrEnd:
        return "where a key or '}' was expected";
      case Expect.Colon:
        return "where ':' was expected";
      case Expect.CommaOrEnd:
        return "where ',' or the end of the object or array was expected";
      case Expect.Done:
        return 'after the end of the JSON value';
    }
  }
}

/** Parses a complete, small JSON text strictly (duplicate keys and bad UTF-8 are errors). */
export function parseJsonStrict(bytes: Uint8Array | string): JsonValue {
  const parser = new JsonStreamParser();
  parser.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  return parser.end();
}
