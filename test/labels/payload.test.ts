// The QR payload v1: round trips for the Xaptum ecdaa and xtt GPK vectors, the mode choice,
// and rejection of damaged and foreign payloads.
import fc from 'fast-check';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import {
  LabelPayloadError,
  base45Decode,
  base45Encode,
  encodeBytePayload,
  encodeDevicePayload,
  encodeLabelPayload,
  encodeTextPayload,
  parseDevicePayload,
  parseLabelPayload,
} from '../../src/labels/index.ts';
import { XAPTUM_GPK, XTT_GPK } from './helpers.ts';

const UUID = '3b2f6a0e-1c4d-4e0f-9a7b-2c3d4e5f6a7b';

function kindOf(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (e) {
    if (e instanceof LabelPayloadError) return e.kind;
    throw e;
  }
}

describe('base45 (RFC 9285)', () => {
  it('matches the RFC 9285 examples both ways', () => {
    const examples: [string, string][] = [
      ['AB', 'BB8'],
      ['Hello!!', '%69 VD92EX0'],
      ['base-45', 'UJCLQE7W581'],
      ['ietf!', 'QED8WEX0'],
    ];
    for (const [plain, encoded] of examples) {
      expect(base45Encode(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base45Decode(encoded))).toBe(plain);
    }
  });

  it('rejects what RFC 9285 §4.2 says a decoder must reject', () => {
    expect(() => base45Decode('GGW')).toThrow(/65535/); // 65536
    expect(base45Decode('U5')).toEqual(new Uint8Array([255]));
    expect(() => base45Decode(':A')).toThrow(/> 255/);
    expect(() => base45Decode('ABCD')).toThrow(/3k\+1/);
    expect(() => base45Decode('ab')).toThrow(/outside the alphabet/);
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(base45Decode(base45Encode(bytes))).toEqual(bytes);
      }),
    );
  });
});

describe('label payload v1', () => {
  for (const [name, gpk] of [
    ['xaptum-ecdaa/gpk.bin', XAPTUM_GPK],
    ['xtt-data/daa_gpk.bin', XTT_GPK],
  ] as const) {
    it(`round-trips ${name} in both forms`, () => {
      const text = encodeTextPayload({ batchId: UUID, gpk });
      expect(text.startsWith('ZTP1:')).toBe(true);
      expect(parseLabelPayload(text)).toEqual({ batchId: UUID, gpk });
      const bytes = encodeBytePayload({ batchId: UUID, gpk });
      expect(parseLabelPayload(bytes)).toEqual({ batchId: UUID, gpk });
      // A decoder may hand back the text form as bytes.
      expect(parseLabelPayload(new TextEncoder().encode(text))).toEqual({ batchId: UUID, gpk });
      // A keyboard-wedge scanner ends with a newline.
      expect(parseLabelPayload(text + '\r\n')).toEqual({ batchId: UUID, gpk });
      // Scanners and copy-paste add spaces and tabs around it, in text and as bytes.
      expect(parseLabelPayload(`  ${text} \t\n`)).toEqual({ batchId: UUID, gpk });
      expect(parseLabelPayload(new TextEncoder().encode(` \t${text}  `))).toEqual({
        batchId: UUID,
        gpk,
      });
    });
  }

  it('never ends the text form with a space, so trimming cannot change a valid payload', () => {
    const id = fc.stringMatching(/^[\x21-\x7e]{1,40}$/);
    const gpk = fc.uint8Array({ minLength: 258, maxLength: 258 }).map((g) => {
      g[0] = 4;
      g[129] = 4;
      return g;
    });
    fc.assert(
      fc.property(id, gpk, (batchId, g) => {
        const text = encodeTextPayload({ batchId, gpk: g });
        expect(text.trim()).toBe(text);
        expect(parseLabelPayload(` ${text} `)).toEqual({ batchId, gpk: g });
      }),
      { numRuns: 200 },
    );
    // Every final group: two bytes (three digits) or one byte (two digits).
    const endingInSpace: number[] = [];
    for (let n = 0; n < 65536; n++) {
      if (base45Encode(new Uint8Array([n >> 8, n & 0xff])).endsWith(' ')) endingInSpace.push(n);
      if (n < 256 && base45Encode(new Uint8Array([n])).endsWith(' ')) endingInSpace.push(n);
    }
    expect(endingInSpace).toEqual([]);
  });

  it('round-trips random batch ids and GPK bytes', () => {
    const id = fc.stringMatching(/^[\x21-\x7e]{1,40}$/);
    const gpk = fc.uint8Array({ minLength: 258, maxLength: 258 }).map((g) => {
      g[0] = 4;
      g[129] = 4;
      return g;
    });
    fc.assert(
      fc.property(id, gpk, (batchId, g) => {
        const p = encodeLabelPayload({ batchId, gpk: g });
        expect(parseLabelPayload(p.text ?? p.bytes!)).toEqual({ batchId, gpk: g });
      }),
      { numRuns: 60 },
    );
  });

  it('picks the smaller QR symbol at level M, text on a tie, and states the version', () => {
    // A UUID: both forms need version 13 (69×69); the text form wins the tie.
    const uuid = encodeLabelPayload({ batchId: UUID, gpk: XAPTUM_GPK });
    expect(uuid).toMatchObject({ mode: 'alphanumeric', qrVersion: 13, errorCorrection: 'M' });
    expect(encodeLabelPayload({ batchId: UUID, gpk: XAPTUM_GPK }, { mode: 'byte' }).qrVersion).toBe(
      13,
    );
    // 20 characters: bytes fit version 12 (287 bytes at M), base45 text needs 13.
    const id20 = 'batch-00000000000001';
    const mid = encodeLabelPayload({ batchId: id20, gpk: XAPTUM_GPK });
    expect(mid).toMatchObject({ mode: 'byte', qrVersion: 12 });
    expect(
      encodeLabelPayload({ batchId: id20, gpk: XAPTUM_GPK }, { mode: 'alphanumeric' }).qrVersion,
    ).toBe(13);
    // A short id: the text form fits version 12 too, and wins the tie.
    expect(encodeLabelPayload({ batchId: 'B-17', gpk: XAPTUM_GPK })).toMatchObject({
      mode: 'alphanumeric',
      qrVersion: 12,
    });
    // The stated version is the one an independent encoder run at level M arrives at.
    const symbol = QRCode.create([{ data: uuid.text!, mode: 'alphanumeric' }], {
      errorCorrectionLevel: 'M',
    });
    expect(symbol.version).toBe(13);
    expect(symbol.modules.size).toBe(69);
  });

  it('refuses to encode invalid input', () => {
    expect(kindOf(() => encodeLabelPayload({ batchId: '', gpk: XAPTUM_GPK }))).toBe(
      'invalid-input',
    );
    expect(kindOf(() => encodeLabelPayload({ batchId: 'x'.repeat(41), gpk: XAPTUM_GPK }))).toBe(
      'invalid-input',
    );
    expect(kindOf(() => encodeLabelPayload({ batchId: 'a b', gpk: XAPTUM_GPK }))).toBe(
      'invalid-input',
    );
    expect(kindOf(() => encodeLabelPayload({ batchId: 'a', gpk: XAPTUM_GPK.subarray(1) }))).toBe(
      'invalid-input',
    );
    const bad = XAPTUM_GPK.slice();
    bad[129] = 2;
    expect(kindOf(() => encodeLabelPayload({ batchId: 'a', gpk: bad }))).toBe('invalid-input');
  });

  it('rejects every single-character change of the text form as damaged', () => {
    const text = encodeTextPayload({ batchId: UUID, gpk: XAPTUM_GPK });
    for (let i = 5; i < text.length; i++) {
      const replacement = text[i] === '0' ? '1' : '0';
      const changed = text.slice(0, i) + replacement + text.slice(i + 1);
      expect(
        kindOf(() => parseLabelPayload(changed)),
        `position ${i}`,
      ).toBe('damaged');
    }
    expect(kindOf(() => parseLabelPayload(text.slice(0, -3)))).toBe('damaged');
    expect(kindOf(() => parseLabelPayload(text + '000'))).toBe('damaged');
  });

  it('rejects every single-byte change of the byte form', () => {
    const bytes = encodeBytePayload({ batchId: UUID, gpk: XTT_GPK });
    for (let i = 0; i < bytes.length; i++) {
      const changed = bytes.slice();
      changed[i]! ^= 0x01;
      const expected = i < 3 ? 'foreign' : i === 3 ? 'unsupported' : 'damaged';
      expect(
        kindOf(() => parseLabelPayload(changed)),
        `byte ${i}`,
      ).toBe(expected);
    }
  });

  it('names foreign and newer payloads as such', () => {
    expect(() => parseLabelPayload('https://example.com/activate?g=1')).toThrow(
      /not a ZTP batch label/,
    );
    expect(kindOf(() => parseLabelPayload(''))).toBe('foreign');
    expect(kindOf(() => parseLabelPayload(new Uint8Array([1, 2, 3, 4])))).toBe('foreign');
    expect(() => parseLabelPayload('ZTP2:ABC')).toThrow(/version 2/);
    expect(kindOf(() => parseLabelPayload('ZTP2:ABC'))).toBe('unsupported');
    const device = encodeDevicePayload('ab'.repeat(32));
    expect(kindOf(() => parseLabelPayload(device))).toBe('foreign');
  });

  it('round-trips per-device payloads', () => {
    const id = '0123456789abcdef'.repeat(4);
    const text = encodeDevicePayload(id);
    expect(text).toBe('ZTPD1:' + id.toUpperCase());
    expect(parseDevicePayload(text)).toEqual({ deviceId: id });
    expect(kindOf(() => encodeDevicePayload('12'))).toBe('invalid-input');
    expect(kindOf(() => parseDevicePayload('ZTPD1:XYZ'))).toBe('damaged');
    expect(parseDevicePayload(` ${text}\t\r\n`)).toEqual({ deviceId: id });
  });
});
