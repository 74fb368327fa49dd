// ZPL II for Zebra-class printers: the printer itself draws the QR code (^BQ, model 2) from the
// payload, at a magnification equal to the layout's dots per module, so the printed symbol has
// the same version, error correction and size as the PDF and PNG. Text uses the printer's
// scalable font 0; its glyphs are narrower than DejaVu's, so lines fitted for the PDF fit here.
import { MM_PER_INCH, PT_PER_INCH, type LabelLayout, type QrPlacement } from './layout.ts';

/** ^BQ magnification is 1–10 dots per module. */
const ZPL_MAX_MAGNIFICATION = 10;

/** Field data escaped for ^FH: '_' starts a hex escape, '^' and '~' would start commands. */
function fieldData(text: string): string {
  return text
    .replace(/…/g, '...')
    .replace(/[_^~]/g, (c) => '_' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** ^FD of a ^BQ field: error correction, manual input, then the character mode and data. */
export function qrFieldData(qr: QrPlacement): string {
  const p = qr.payload;
  if (p.mode === 'alphanumeric') return `${p.errorCorrection}M,A${p.text!}`;
  const bytes = p.bytes!;
  const hex = [...bytes].map((b) => '_' + b.toString(16).padStart(2, '0').toUpperCase()).join('');
  return `${p.errorCorrection}M,B${String(bytes.length).padStart(4, '0')}${hex}`;
}

function renderOne(layout: LabelLayout, copies: number): string {
  const t = layout.template;
  const dotsPerMm = t.dpi / MM_PER_INCH;
  const dots = (mm: number) => Math.round(mm * dotsPerMm);
  const { qr } = layout;
  if (qr.moduleDots > ZPL_MAX_MAGNIFICATION) {
    throw new Error(
      `template ${t.name}: its QR box gives ${qr.moduleDots} dots per module; ZPL ^BQ allows at most ${ZPL_MAX_MAGNIFICATION}, make the box smaller`,
    );
  }
  const lines = [
    '^XA',
    '^CI28', // field data is UTF-8
    `^PW${dots(t.widthMm)}`,
    `^LL${dots(t.heightMm)}`,
    '^LH0,0',
  ];
  for (const r of layout.rules) {
    const w = Math.max(1, dots(r.widthMm));
    const h = Math.max(1, dots(r.heightMm));
    lines.push(`^FO${dots(r.xMm)},${dots(r.yMm)}^GB${w},${h},${Math.min(w, h)},B^FS`);
  }
  for (const text of layout.texts) {
    const h = Math.max(10, Math.round((text.sizePt / PT_PER_INCH) * t.dpi));
    const block =
      text.align === 'center'
        ? `^FT${dots(text.xMm - text.maxWidthMm / 2)},${dots(text.yMm)}^FB${dots(text.maxWidthMm)},1,0,C,0`
        : `^FT${dots(text.xMm)},${dots(text.yMm)}`;
    lines.push(`${block}^A0N,${h},${h}^FH^FD${fieldData(text.text)}^FS`);
  }
  const ecc = qr.payload.errorCorrection;
  const fh = qr.payload.mode === 'byte' ? '^FH' : '';
  lines.push(
    `^FO${qr.xDots},${qr.yDots}^BQN,2,${qr.moduleDots},${ecc}${fh}^FD${qrFieldData(qr)}^FS`,
  );
  lines.push(`^PQ${copies},0,1,Y`, '^XZ');
  return lines.join('\n') + '\n';
}

/** ZPL for the labels (one ^XA…^XZ format each), each printed `copies` times. */
export function renderZpl(layouts: LabelLayout[], copies = 1): Uint8Array {
  if (!Number.isInteger(copies) || copies < 1)
    throw new Error(`copies must be a whole number ≥ 1, got ${copies}`);
  return new TextEncoder().encode(layouts.map((l) => renderOne(l, copies)).join(''));
}
