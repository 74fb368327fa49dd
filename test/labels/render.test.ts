// Rendering: every template's PDF (rasterized by pdftoppm) and PNG decode, with ZBar's
// zbarimg as an independent decoder, back to the exact payload; the ZPL carries it in ^BQ.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeDevicePayload,
  encodeLabelPayload,
  layoutLabel,
  listTemplates,
  loadTemplate,
  parseLabelPayload,
  renderLabel,
  writeBatchLabels,
} from '../../src/labels/index.ts';
import { XTT_GPK, hasTool, pdfInfo, pdfPageToPng, sampleInfo, zbarDecode } from './helpers.ts';

const TOOLS = hasTool('pdftoppm') && hasTool('zbarimg') && hasTool('pdfinfo');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ztp-label-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MM_TO_PT = 72 / 25.4;
const info = sampleInfo();
const expectedText = encodeLabelPayload(info).text!;

describe.skipIf(!TOOLS)('label rendering (needs poppler-utils and zbar-tools)', () => {
  const batchTemplates = listTemplates().filter((t) => t.kind === 'batch');

  it('has the required sizes: 62 × 29 mm, 4 × 2 in and 4 × 6 in', () => {
    const sizes = batchTemplates.map((t) => `${t.widthMm}x${t.heightMm}`);
    expect(sizes).toEqual(expect.arrayContaining(['62x29', '101.6x50.8', '101.6x152.4']));
  });

  for (const template of listTemplates().filter((t) => t.kind === 'batch')) {
    it(`${template.name}: the PDF is exactly ${template.widthMm} × ${template.heightMm} mm and its QR decodes to the payload`, async () => {
      const pdf = path.join(dir, `${template.name}.pdf`);
      writeFileSync(pdf, await renderLabel(info, template.name, 'pdf'));
      const meta = await pdfInfo(pdf);
      expect(meta.pages).toBe(1);
      expect(meta.widthPt).toBeCloseTo(template.widthMm * MM_TO_PT, 2);
      expect(meta.heightPt).toBeCloseTo(template.heightMm * MM_TO_PT, 2);
      const png = await pdfPageToPng(pdf, path.join(dir, `${template.name}-pdf`));
      const decoded = await zbarDecode(png);
      expect(decoded.toString('latin1')).toBe(expectedText);
      expect(parseLabelPayload(decoded.toString('latin1'))).toEqual({
        batchId: info.batchId,
        gpk: info.gpk,
      });
    });

    it(`${template.name}: the PNG preview decodes to the payload`, async () => {
      const png = path.join(dir, `${template.name}.png`);
      const bytes = await renderLabel(info, template.name, 'png');
      writeFileSync(png, bytes);
      expect((await zbarDecode(png)).toString('latin1')).toBe(expectedText);
      // Pixel size is the label at the template's printer resolution.
      const b = Buffer.from(bytes);
      expect(b.readUInt32BE(16)).toBe(Math.round((template.widthMm / 25.4) * template.dpi));
      expect(b.readUInt32BE(20)).toBe(Math.round((template.heightMm / 25.4) * template.dpi));
    });

    it(`${template.name}: the ZPL asks the printer for the same QR symbol`, async () => {
      const zpl = new TextDecoder().decode(
        await renderLabel(info, template.name, 'zpl', { copies: 3 }),
      );
      const layout = layoutLabel(info, template);
      const dots = (mm: number) => Math.round((mm / 25.4) * template.dpi);
      expect(zpl.startsWith('^XA')).toBe(true);
      expect(zpl.trimEnd().endsWith('^XZ')).toBe(true);
      expect(zpl).toContain(`^PW${dots(template.widthMm)}\n`);
      expect(zpl).toContain(`^LL${dots(template.heightMm)}\n`);
      expect(zpl).toContain('^PQ3,');
      const bq = /\^FO(\d+),(\d+)\^BQN,2,(\d+),M\^FDMM,A([^^]+)\^FS/.exec(zpl);
      expect(bq, zpl).not.toBeNull();
      expect(Number(bq![3])).toBe(layout.qr.moduleDots);
      expect(bq![4]).toBe(expectedText);
      // Model 2 magnification must stay within ^BQ's 1–10 and fit the label.
      const sizeDots = (17 + 4 * 13) * layout.qr.moduleDots;
      expect(Number(bq![1]) + sizeDots).toBeLessThanOrEqual(dots(template.widthMm));
      expect(Number(bq![2]) + sizeDots).toBeLessThanOrEqual(dots(template.heightMm));
    });
  }

  it('a byte-mode payload survives PDF and PNG, and ZPL sends it hex-escaped with its count', async () => {
    const byteInfo = sampleInfo({ batchId: 'batch-00000000000001', gpk: XTT_GPK });
    const payload = encodeLabelPayload(byteInfo);
    expect(payload.mode).toBe('byte');
    const pdf = path.join(dir, 'byte.pdf');
    writeFileSync(pdf, await renderLabel(byteInfo, 'zebra-4x2', 'pdf'));
    const fromPdf = await zbarDecode(await pdfPageToPng(pdf, path.join(dir, 'byte-pdf')));
    // With -Sbinary zbarimg writes the symbol's bytes exactly, with no newline after them.
    expect(new Uint8Array(fromPdf)).toEqual(payload.bytes);
    const png = path.join(dir, 'byte.png');
    writeFileSync(png, await renderLabel(byteInfo, 'ql-62x29', 'png'));
    expect(parseLabelPayload(new Uint8Array(await zbarDecode(png)))).toEqual({
      batchId: byteInfo.batchId,
      gpk: XTT_GPK,
    });
    const zpl = new TextDecoder().decode(await renderLabel(byteInfo, 'zebra-4x2', 'zpl'));
    const m = /\^FH\^FDMM,B(\d{4})((?:_[0-9A-F]{2})+)\^FS/.exec(zpl)!;
    expect(Number(m[1])).toBe(payload.bytes!.length);
    expect(Buffer.from(m[2]!.replace(/_/g, ''), 'hex')).toEqual(Buffer.from(payload.bytes!));
  });

  it('per-device labels: one PDF page per device, each decoding to its device id', async () => {
    const devices = ['0'.repeat(63) + '1', 'fedcba9876543210'.repeat(4), 'a5'.repeat(32)].map(
      (deviceId) => ({
        deviceId,
      }),
    );
    const dInfo = sampleInfo({ devices, deviceCount: devices.length });
    const pdf = path.join(dir, 'devices.pdf');
    writeFileSync(pdf, await renderLabel(dInfo, 'device-62x29', 'pdf'));
    expect((await pdfInfo(pdf)).pages).toBe(3);
    for (let i = 0; i < devices.length; i++) {
      const png = await pdfPageToPng(pdf, path.join(dir, `device-${i}`), i + 1);
      expect((await zbarDecode(png)).toString('latin1')).toBe(
        encodeDevicePayload(devices[i]!.deviceId),
      );
    }
    const zpl = new TextDecoder().decode(await renderLabel(dInfo, 'device-62x29', 'zpl'));
    expect(zpl.match(/\^XA/g)).toHaveLength(3);
    await expect(renderLabel(sampleInfo(), 'device-62x29', 'pdf')).rejects.toThrow(/no device ids/);
  });

  it('writeBatchLabels writes batch.pdf, batch.png and batch.zpl that carry the payload', async () => {
    const out = path.join(dir, 'demo-out', 'labels');
    const files = await writeBatchLabels(info, out);
    expect(files.payload.text).toBe(expectedText);
    expect((await zbarDecode(files.png)).toString('latin1')).toBe(expectedText);
    const png = await pdfPageToPng(files.pdf, path.join(dir, 'demo-pdf'));
    expect((await zbarDecode(png)).toString('latin1')).toBe(expectedText);
    expect(readFileSync(files.zpl, 'utf8')).toContain(`^FDMM,A${expectedText}^FS`);
  });
});

describe('label layout', () => {
  it('fits long names by shrinking, then an ellipsis, inside the template width', () => {
    const template = loadTemplate('ql-62x29');
    const long = sampleInfo({
      batchName: 'An extremely long batch name that no label could ever hold',
    });
    const name = layoutLabel(long, template).texts[0]!;
    expect(name.text.endsWith('…')).toBe(true);
    expect(name.sizePt).toBe(template.texts[0]!.minSizePt);
    expect(name.widthPt).toBeLessThanOrEqual((template.texts[0]!.maxWidthMm / 25.4) * 72);
    const short = layoutLabel(sampleInfo({ batchName: 'B7' }), template).texts[0]!;
    expect(short).toMatchObject({ text: 'B7', sizePt: template.texts[0]!.sizePt });
  });

  it('shows name, short id, fingerprint, device count, date and facility', () => {
    const texts = layoutLabel(info, loadTemplate('zebra-4x2')).texts.map((t) => t.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'Acme Sensor Node Rev C',
        '250 devices',
        'Batch 3b2f6a0e',
        expect.stringMatching(/^GPK [0-9A-F]{4}(-[0-9A-F]{4}){3}$/),
        '2026-12-03',
        'Line 2, Eindhoven',
      ]),
    );
    // A missing product leaves its line out rather than printing an empty one.
    const noProduct = layoutLabel(sampleInfo({ product: undefined }), loadTemplate('zebra-4x2'));
    expect(noProduct.texts).toHaveLength(texts.length - 1);
  });

  it('renders the same PDF bytes for the same batch', async () => {
    const a = await renderLabel(info, 'zebra-4x6', 'pdf');
    const b = await renderLabel(info, 'zebra-4x6', 'pdf');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('names the problem in a broken or unknown template', () => {
    expect(() => loadTemplate('no-such')).toThrow(
      /unknown label template 'no-such'; available: .*zebra-4x2/,
    );
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'bad',
        kind: 'batch',
        widthMm: 50,
        heightMm: 30,
        dpi: 203,
        qr: { xMm: 30, yMm: 0, sizeMm: 30 },
        texts: [],
      }),
    );
    expect(() => loadTemplate(bad)).toThrow(/QR box does not fit/);
  });
});
