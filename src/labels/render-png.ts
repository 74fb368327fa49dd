// PNG preview at the template's printer resolution: what a 203 or 300 dpi printer would put on
// the label, dot for dot. QR modules and rules are written straight into the bitmap on whole
// dots; pureimage (pure JS canvas) draws the text with the same DejaVu fonts as the PDF.
import { PNG } from 'pngjs';
import * as PImage from 'pureimage';
import { fontPath } from './fonts.ts';
import { MM_PER_INCH, PT_PER_INCH, type LabelLayout } from './layout.ts';
import type { TemplateFont } from './templates.ts';

const FAMILIES: Record<TemplateFont, string> = {
  regular: 'ZTPLabelSans',
  bold: 'ZTPLabelSansBold',
  'bold-condensed': 'ZTPLabelSansBoldCondensed',
  mono: 'ZTPLabelMono',
};
let fontsLoaded = false;

function loadFonts(): void {
  if (fontsLoaded) return;
  for (const f of Object.keys(FAMILIES) as TemplateFont[]) {
    PImage.registerFont(fontPath(f), FAMILIES[f]).loadSync();
  }
  fontsLoaded = true;
}

/** Renders one label to a greyscale PNG. */
export function renderPng(layout: LabelLayout): Uint8Array {
  loadFonts();
  const t = layout.template;
  const dotsPerMm = t.dpi / MM_PER_INCH;
  const width = Math.round(t.widthMm * dotsPerMm);
  const height = Math.round(t.heightMm * dotsPerMm);
  const bitmap = PImage.make(width, height);
  const ctx = bitmap.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);

  ctx.fillStyle = '#000000';
  for (const text of layout.texts) {
    // pureimage takes whole pixels and an unquoted family name.
    const px = Math.round((text.sizePt / PT_PER_INCH) * t.dpi);
    ctx.font = `${px}px ${FAMILIES[text.font]}`;
    const widthPx = (text.widthPt / PT_PER_INCH) * t.dpi;
    const x = text.xMm * dotsPerMm - (text.align === 'center' ? widthPx / 2 : 0);
    ctx.fillText(text.text, x, text.yMm * dotsPerMm);
  }

  const data = bitmap.data;
  const black = (x0: number, y0: number, w: number, h: number) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) {
        const i = (y * width + x) * 4;
        data[i] = data[i + 1] = data[i + 2] = 0;
        data[i + 3] = 255;
      }
    }
  };
  const { qr } = layout;
  for (let row = 0; row < qr.size; row++) {
    for (let col = 0; col < qr.size; col++) {
      if (qr.isDark(row, col)) {
        black(
          qr.xDots + col * qr.moduleDots,
          qr.yDots + row * qr.moduleDots,
          qr.moduleDots,
          qr.moduleDots,
        );
      }
    }
  }
  for (const r of layout.rules) {
    black(
      Math.round(r.xMm * dotsPerMm),
      Math.round(r.yMm * dotsPerMm),
      Math.round(r.widthMm * dotsPerMm),
      Math.max(1, Math.round(r.heightMm * dotsPerMm)),
    );
  }

  const png = new PNG({ width, height });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 6 }));
}
