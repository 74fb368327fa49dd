// The label typeface: DejaVu Sans (regular, bold) and DejaVu Sans Mono from the
// `dejavu-fonts-ttf` package. The same TrueType files are embedded in the PDF and drawn into
// the PNG, and text is fitted with their metrics, so both outputs break lines identically and
// batch names in any script DejaVu covers print correctly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import type { TemplateFont } from './templates.ts';

const FONT_FILES: Record<TemplateFont, string> = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  'bold-condensed': 'DejaVuSansCondensed-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
};

const FONT_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);

/** Path of a label font's TrueType file. */
export function fontPath(font: TemplateFont): string {
  return path.join(FONT_DIR, FONT_FILES[font]);
}

const bytesCache = new Map<TemplateFont, Uint8Array>();
const fontCache = new Map<TemplateFont, ReturnType<typeof fontkit.create>>();

/** The TrueType bytes of a label font. */
export function fontBytes(font: TemplateFont): Uint8Array {
  let bytes = bytesCache.get(font);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(fontPath(font)));
    bytesCache.set(font, bytes);
  }
  return bytes;
}

/** Width of `text` in points at `sizePt`, with the font's own advance widths and kerning. */
export function textWidthPt(font: TemplateFont, text: string, sizePt: number): number {
  let f = fontCache.get(font);
  if (!f) {
    f = fontkit.create(fontBytes(font));
    fontCache.set(font, f);
  }
  return (f.layout(text).advanceWidth * sizePt) / f.unitsPerEm;
}
