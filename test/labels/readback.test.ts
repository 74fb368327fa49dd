// Read-back: a photo-like JPEG and a clean PNG of a label are checked against their batch.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  checkLabelImage,
  checkLabelPayload,
  decodeImage,
  encodeBytePayload,
  encodeDevicePayload,
  encodeTextPayload,
  renderLabel,
} from '../../src/labels/index.ts';
import { XAPTUM_GPK, XTT_GPK, sampleInfo } from './helpers.ts';

/**
 * Turns a rendered label into something like a phone photo: rotated by `degrees`, scaled,
 * on a grey desk, with uneven lighting and sensor noise, saved as a lossy JPEG.
 */
function photograph(pngBytes: Uint8Array, degrees: number, scale: number): Uint8Array {
  const src = PNG.sync.read(Buffer.from(pngBytes));
  const width = Math.round(src.width * scale * 1.3);
  const height = Math.round(src.height * scale * 1.5);
  const out = Buffer.alloc(width * height * 4);
  const a = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 31) - 15;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x - width / 2) / scale;
      const dy = (y - height / 2) / scale;
      const sx = Math.round(cos * dx + sin * dy + src.width / 2);
      const sy = Math.round(-sin * dx + cos * dy + src.height / 2);
      let v = 110; // desk
      if (sx >= 0 && sy >= 0 && sx < src.width && sy < src.height) {
        v = src.data[(sy * src.width + sx) * 4]! * 0.75 + 40; // paper is never pure white
      }
      v = v * (0.8 + (0.3 * x) / width) + noise(); // light falls off across the photo
      const o = (y * width + x) * 4;
      out[o] = out[o + 1] = out[o + 2] = Math.max(0, Math.min(255, v));
      out[o + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ width, height, data: out }, 60).data);
}

describe('label read-back', () => {
  const info = sampleInfo();

  it('accepts a photo of the batch label (rotated, noisy JPEG)', async () => {
    const photo = photograph(await renderLabel(info, 'zebra-4x2', 'png'), 7, 2.2);
    expect(decodeImage(photo).width).toBeGreaterThan(1500);
    const result = checkLabelImage(photo, info);
    expect(result).toMatchObject({ match: true, decoded: { batchId: info.batchId } });
    expect(result.decoded!.gpk).toEqual(info.gpk);
  });

  it('accepts the small 62 × 29 mm label in a byte-mode payload', async () => {
    const byteInfo = sampleInfo({ batchId: 'batch-00000000000001', gpk: XTT_GPK });
    const result = checkLabelImage(await renderLabel(byteInfo, 'ql-62x29', 'png'), byteInfo);
    expect(result.match).toBe(true);
  });

  it('rejects a label of another batch, naming both', async () => {
    const other = sampleInfo({ batchId: 'other-batch' });
    const png = await renderLabel(other, 'zebra-4x2', 'png');
    const result = checkLabelImage(png, info);
    expect(result.match).toBe(false);
    expect(result.kind).toBe('other-batch');
    expect(result.reason).toMatch(
      /belongs to batch other-batch, not to batch Acme Sensor Node Rev C \(3b2f6a0e\)/,
    );
    expect(result.decoded?.batchId).toBe('other-batch');
  });

  it('rejects a label with the right batch id but another group key', async () => {
    const forged = sampleInfo({ gpk: XTT_GPK });
    const result = checkLabelImage(await renderLabel(forged, 'zebra-4x2', 'png'), info);
    expect(result.match).toBe(false);
    expect(result.kind).toBe('wrong-key');
    expect(result.reason).toMatch(/different group key/);
    expect(result.reason).not.toMatch(/belongs to/);
  });

  it('says when there is no QR code, a per-device label, or not an image', async () => {
    const blank = new PNG({ width: 400, height: 300 });
    blank.data.fill(255);
    expect(checkLabelImage(new Uint8Array(PNG.sync.write(blank)), info).reason).toMatch(
      /no QR code found/,
    );
    const device = sampleInfo({ devices: [{ deviceId: 'ab'.repeat(32) }] });
    expect(checkLabelImage(await renderLabel(device, 'device-62x29', 'png'), info).reason).toMatch(
      /per-device label/,
    );
    expect(checkLabelImage(new TextEncoder().encode('GIF89a....'), info).reason).toMatch(
      /neither PNG nor JPEG/,
    );
  });
});

describe('read-back of a decoded payload (what the app and ztp label check share)', () => {
  const expected = { batchId: 'lot-7', gpk: XAPTUM_GPK, batchName: 'Lot 7' };
  const text = (batchId: string, gpk: Uint8Array) => encodeTextPayload({ batchId, gpk });
  const otherGpk = XTT_GPK;
  const store = new Map([
    ['lot-8', { id: 'lot-8', name: 'Lot 8', gpk: otherGpk }],
    ['lot-9', { id: 'lot-9', name: 'Lot 9', gpk: otherGpk }],
  ]);
  const findBatch = (id: string) => store.get(id);

  it('matches this batch in either form, with scanner whitespace around the text', () => {
    for (const read of [
      text('lot-7', XAPTUM_GPK),
      ` ${text('lot-7', XAPTUM_GPK)}\r\n`,
      encodeBytePayload({ batchId: 'lot-7', gpk: XAPTUM_GPK }),
    ]) {
      expect(checkLabelPayload(read, expected, { findBatch })).toMatchObject({
        match: true,
        kind: 'match',
      });
    }
  });

  it('names another batch of the workstation by name, else by id', () => {
    const known = checkLabelPayload(text('lot-8', otherGpk), expected, { findBatch });
    expect(known).toMatchObject({
      match: false,
      kind: 'other-batch',
      otherBatch: { id: 'lot-8', name: 'Lot 8' },
    });
    expect(known.reason).toBe(
      'the label belongs to batch Lot 8 (lot-8), not to batch Lot 7 (lot-7); take it off this box',
    );
    const unknown = checkLabelPayload(text('elsewhere', otherGpk), expected, { findBatch });
    expect(unknown.kind).toBe('other-batch');
    expect(unknown.otherBatch).toBeUndefined();
    expect(unknown.reason).toMatch(/^the label belongs to batch elsewhere, not to batch Lot 7/);
  });

  it('calls an id with a group key that is not its own counterfeit or damaged, never "another batch"', () => {
    // This batch's id with another key: not "belongs to batch Lot 7, not Lot 7".
    const sameId = checkLabelPayload(text('lot-7', otherGpk), expected, { findBatch });
    expect(sameId.kind).toBe('wrong-key');
    expect(sameId.reason).toMatch(
      /^the label names batch Lot 7 \(lot-7\) but carries a different group key .*counterfeit or damaged: do not ship it/,
    );
    expect(sameId.reason).not.toMatch(/belongs to/);
    // Another known batch's id with a third key.
    const third = new Uint8Array(XAPTUM_GPK);
    third[5]! ^= 1;
    const forged = checkLabelPayload(text('lot-9', third), expected, { findBatch });
    expect(forged.kind).toBe('wrong-key');
    expect(forged.reason).toMatch(/names batch Lot 9 \(lot-9\), not this batch Lot 7/);
  });

  it('tells a per-device label, a foreign QR code, a newer version and a damaged payload apart', () => {
    const device = checkLabelPayload(` ${encodeDevicePayload('ab'.repeat(32))}`, expected);
    expect(device).toMatchObject({ match: false, kind: 'device-label' });
    expect(device.reason).toMatch(/per-device label, not the batch label/);
    const foreign = checkLabelPayload('WIFI:S:guest;T:WPA;P:secret;;', expected);
    expect(foreign).toMatchObject({ match: false, kind: 'foreign' });
    expect(foreign.reason).toMatch(/^this QR code is not a ZTP label/);
    expect(checkLabelPayload('ZTP2:ABC', expected)).toMatchObject({ kind: 'unsupported' });
    const good = text('lot-7', XAPTUM_GPK);
    const damaged = checkLabelPayload(
      good.slice(0, 40) + (good[40] === 'A' ? 'B' : 'A') + good.slice(41),
      expected,
    );
    expect(damaged.kind).toBe('damaged');
    expect(damaged.reason).toMatch(/damaged ZTP label payload/);
    for (const r of [device, foreign, damaged]) expect(r.reason).not.toMatch(/clean the label/i);
  });
});
