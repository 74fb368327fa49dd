// Turns a template and a batch into positioned marks: the QR symbol on the printer's dot grid
// and fitted text lines. Renderers only draw what this returns, so PDF, PNG and ZPL agree.
import { sha256 } from '@noble/hashes/sha2.js';
import QRCode from 'qrcode';
import { textWidthPt } from './fonts.ts';
import {
  encodeDevicePayload,
  encodeLabelPayload,
  fitSymbol,
  payloadSegments,
  type LabelPayload,
} from './payload.ts';
import type { LabelTemplate, TemplateFont, TemplateRule } from './templates.ts';
import type { LabelInfo } from './types.ts';

const QUIET_ZONE_MODULES = 4;
/** Below 2 printer dots per module, thermal printers smear modules into each other. */
const MIN_DOTS_PER_MODULE = 2;
const ELLIPSIS = '…';

export const MM_PER_INCH = 25.4;
export const PT_PER_INCH = 72;

export interface QrPlacement {
  /** What the symbol encodes: a batch payload, or a device label's text. */
  payload: LabelPayload;
  /** Modules per side, without quiet zone. */
  size: number;
  isDark(row: number, col: number): boolean;
  /** Top-left of the symbol itself (inside its quiet zone), in printer dots. */
  xDots: number;
  yDots: number;
  /** Printer dots per module: ZPL ^BQ's magnification. */
  moduleDots: number;
}

/**
 * The dark modules as horizontal runs (row, first column, length): vector renderers draw one
 * rectangle per run, so a symbol is a few hundred rectangles instead of thousands of squares.
 */
export function darkRuns(qr: QrPlacement): { row: number; col: number; length: number }[] {
  const runs: { row: number; col: number; length: number }[] = [];
  for (let row = 0; row < qr.size; row++) {
    let col = 0;
    while (col < qr.size) {
      if (!qr.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < qr.size && qr.isDark(row, col)) col++;
      runs.push({ row, col: start, length: col - start });
    }
  }
  return runs;
}

export interface PlacedText {
  text: string;
  /** Left edge (align 'left') or centre (align 'center') in mm; `yMm` is the baseline. */
  xMm: number;
  yMm: number;
  sizePt: number;
  font: TemplateFont;
  align: 'left' | 'center';
  widthPt: number;
  maxWidthMm: number;
}

export interface LabelLayout {
  template: LabelTemplate;
  qr: QrPlacement;
  texts: PlacedText[];
  rules: TemplateRule[];
}

/** First 8 bytes of SHA-256(GPK) as four groups of hex digits, e.g. "3F2A-91C0-7B11-04DE". */
export function gpkFingerprint(gpk: Uint8Array): string {
  const hex = Buffer.from(sha256(gpk).subarray(0, 8)).toString('hex').toUpperCase();
  return hex.match(/.{4}/g)!.join('-');
}

/** The batch id as people read it: whole when short, else its first 8 characters. */
export function shortBatchId(batchId: string): string {
  return batchId.length <= 12 ? batchId : batchId.slice(0, 8);
}

function labelDate(iso: string): string {
  const m = /^\d{4}-\d{2}-\d{2}/.exec(iso);
  return m ? m[0] : iso;
}

/** Values for a template's {placeholders}. */
export function templateFields(info: LabelInfo, deviceIndex?: number): Record<string, string> {
  const fields: Record<string, string> = {
    batchName: info.batchName,
    batchId: info.batchId,
    shortBatchId: shortBatchId(info.batchId),
    fingerprint: gpkFingerprint(info.gpk),
    deviceCount: info.deviceCount.toLocaleString('en-US'),
    date: labelDate(info.date),
    facility: info.facility,
    product: info.product ?? '',
  };
  if (deviceIndex !== undefined) {
    const id = info.devices![deviceIndex]!.deviceId.toLowerCase();
    fields.deviceId = id;
    fields.deviceIndex = String(deviceIndex + 1);
    for (let i = 0; i < 4; i++) {
      fields[`deviceIdLine${i + 1}`] = id.slice(i * 16, i * 16 + 16).replace(/(.{4})(?!$)/g, '$1 ');
    }
  }
  return fields;
}

/** Fills {placeholders}; returns undefined when every placeholder in the line is empty. */
export function fillPlaceholders(text: string, fields: Record<string, string>): string | undefined {
  let anyPlaceholder = false;
  let anyValue = false;
  const filled = text.replace(/\{(\w+)\}/g, (_, key: string) => {
    anyPlaceholder = true;
    const v = fields[key];
    if (v === undefined) throw new Error(`label template uses unknown field {${key}}`);
    if (v !== '') anyValue = true;
    return v;
  });
  if (anyPlaceholder && !anyValue) return undefined;
  return filled.replace(/\s*·\s*$|^\s*·\s*/g, '').trim();
}

function fitText(
  font: TemplateFont,
  text: string,
  sizePt: number,
  minSizePt: number,
  maxPt: number,
) {
  for (let size = sizePt; size >= minSizePt - 1e-9; size -= 0.5) {
    const w = textWidthPt(font, text, size);
    if (w <= maxPt) return { text, sizePt: size, widthPt: w };
  }
  let cut = text;
  while (cut.length > 1 && textWidthPt(font, cut + ELLIPSIS, minSizePt) > maxPt)
    cut = cut.slice(0, -1);
  const shown = cut.trimEnd() + ELLIPSIS;
  return { text: shown, sizePt: minSizePt, widthPt: textWidthPt(font, shown, minSizePt) };
}

function placeQr(template: LabelTemplate, payload: LabelPayload): QrPlacement {
  const symbol = QRCode.create(payloadSegments(payload), {
    errorCorrectionLevel: payload.errorCorrection,
    version: payload.qrVersion,
  });
  const size = symbol.modules.size;
  const dotsPerMm = template.dpi / MM_PER_INCH;
  const boxDots = Math.floor(template.qr.sizeMm * dotsPerMm);
  const total = size + 2 * QUIET_ZONE_MODULES;
  const moduleDots = Math.floor(boxDots / total);
  if (moduleDots < MIN_DOTS_PER_MODULE) {
    const needMm = (total * MIN_DOTS_PER_MODULE) / dotsPerMm;
    throw new Error(
      `template ${template.name}: a version-${payload.qrVersion} QR code needs a box of at least ${needMm.toFixed(1)} mm at ${template.dpi} dpi, the template has ${template.qr.sizeMm} mm`,
    );
  }
  const margin = Math.floor((boxDots - total * moduleDots) / 2) + QUIET_ZONE_MODULES * moduleDots;
  return {
    payload,
    size,
    isDark: (row, col) => symbol.modules.get(row, col) === 1,
    xDots: Math.round(template.qr.xMm * dotsPerMm) + margin,
    yDots: Math.round(template.qr.yMm * dotsPerMm) + margin,
    moduleDots,
  };
}

/** Number of labels a template makes for a batch: 1, or one per device. */
export function labelCount(info: LabelInfo, template: LabelTemplate): number {
  return template.kind === 'device' ? (info.devices?.length ?? 0) : 1;
}

/** Lays out label number `index` (a device's index for per-device templates). */
export function layoutLabel(info: LabelInfo, template: LabelTemplate, index = 0): LabelLayout {
  let payload: LabelPayload;
  let fields: Record<string, string>;
  if (template.kind === 'device') {
    const device = info.devices?.[index];
    if (!device) {
      throw new Error(
        `template ${template.name} prints one label per device, and the batch has no device number ${index + 1}`,
      );
    }
    const text = encodeDevicePayload(device.deviceId);
    payload = { text, mode: 'alphanumeric', qrVersion: 0, errorCorrection: 'M' };
    Object.assign(payload, fitSymbol(payloadSegments(payload)));
    fields = templateFields(info, index);
  } else {
    payload = encodeLabelPayload(info);
    fields = templateFields(info);
  }
  const texts: PlacedText[] = [];
  for (const t of template.texts) {
    const filled = fillPlaceholders(t.text, fields);
    if (filled === undefined || filled === '') continue;
    const maxPt = (t.maxWidthMm / MM_PER_INCH) * PT_PER_INCH;
    const fit = fitText(t.font, filled, t.sizePt, t.minSizePt ?? t.sizePt, maxPt);
    texts.push({
      ...fit,
      xMm: t.xMm,
      yMm: t.yMm,
      font: t.font,
      align: t.align ?? 'left',
      maxWidthMm: t.maxWidthMm,
    });
  }
  return { template, qr: placeQr(template, payload), texts, rules: template.rules };
}
