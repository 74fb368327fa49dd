import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue } from '../../src/manifest/canonical-json.ts';
import {
  JsonStreamParser,
  JsonSyntaxError,
  parseJsonStrict,
} from '../../src/manifest/json-stream.ts';

function parseInPieces(
  bytes: Uint8Array,
  cuts: number[],
  options = {},
): { parser: JsonStreamParser; value: JsonValue } {
  const parser = new JsonStreamParser(options);
  let at = 0;
  for (const c of [...cuts.map((x) => x % (bytes.length + 1))].sort((a, b) => a - b)) {
    parser.write(bytes.subarray(at, Math.max(at, c)));
    at = Math.max(at, c);
  }
  parser.write(bytes.subarray(at));
  return { parser, value: parser.end() };
}

describe('strict streaming JSON parser', () => {
  it('agrees with JSON.parse on any JSON text, cut into any pieces', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        (value, cuts, pretty) => {
          const text = JSON.stringify(value, null, pretty ? 2 : undefined);
          const { value: parsed } = parseInPieces(Buffer.from(text, 'utf8'), cuts);
          expect(canonicalJson(parsed)).toBe(canonicalJson(JSON.parse(text)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('hands out streamed elements with their exact bytes and keeps the rest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (items, cuts) => {
          const text = `{"a":1,"devices":[${items.map((i) => canonicalJson(i)).join(',')}],"z":[2]}`;
          const seen: string[] = [];
          const { parser, value } = parseInPieces(Buffer.from(text, 'utf8'), cuts, {
            streamedArrays: new Set(['devices']),
            maxSkeletonBytes: 1 << 20,
            onItem: (_m: string, _i: number, v: JsonValue, raw: Uint8Array) => {
              expect(canonicalJson(v)).toBe(Buffer.from(raw).toString('utf8'));
              seen.push(Buffer.from(raw).toString('utf8'));
            },
          });
          expect(seen).toEqual(items.map((i) => canonicalJson(i)));
          expect(value).toEqual({ a: 1, devices: [], z: [2] });
          expect(Buffer.from(parser.skeleton).toString()).toBe('{"a":1,"devices":[],"z":[2]}');
          expect(parser.whitespaceBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ['{"a":1,"a":2}', /duplicate key 'a' in \$/],
    ['{"x":{"b":1,"b":1}}', /duplicate key 'b' in \$\.x/],
    ['{"a":1', /ends before/],
    ['{"a":"x', /ends inside a string/],
    ['', /empty/],
    ['{"a":01}', /not a JSON value/],
    ['{"a":tru}', /not a JSON value/],
    ['[1,]', /unexpected '\]'/],
    ['{"a" 1}', /':' was expected/],
    ['{} {}', /after the end|more than one/],
    ['{"a":"\u0001"}', /control character/],
    ["{'a':1}", /unexpected byte 0x27/],
  ])('rejects %j', (text, message) => {
    expect(() => parseJsonStrict(text)).toThrow(JsonSyntaxError);
    expect(() => parseJsonStrict(text)).toThrow(message);
  });

  it('rejects invalid UTF-8 and too deep nesting', () => {
    expect(() => parseJsonStrict(Uint8Array.of(0x22, 0xc3, 0x28, 0x22))).toThrow(/not valid UTF-8/);
    expect(() => parseJsonStrict('['.repeat(100) + ']'.repeat(100))).toThrow(/deeper than 64/);
  });

  it('keeps a "__proto__" key as a plain member', () => {
    const v = parseJsonStrict('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses over-long tokens and elements', () => {
    const p = new JsonStreamParser({ maxTokenBytes: 10 });
    expect(() => p.write(Buffer.from('"01234567890123"'))).toThrow(/longer than 10 bytes/);
    const q = new JsonStreamParser({ streamedArrays: new Set(['d']), maxItemBytes: 20 });
    expect(() => {
      q.write(Buffer.from('{"d":[{"k":"0123456789012345678901234"}]}'));
    }).toThrow(/larger than 20 bytes/);
  });
});
