import fontkit from '@pdf-lib/fontkit';
import { fontBytes } from '../../labels/fonts.ts';
import { MM_PER_INCH, PT_PER_INCH, darkRuns, type LabelLayout } from '../../labels/layout.ts';
import type { TemplateFont } from '../../labels/templates.ts';

const PT_PER_MM = PT_PER_INCH / MM_PER_INCH;

/**
 * The page a label is printed from: the label(s) as vector SVG at their physical size, one
 * label per page, nothing else. Electron prints it silently (webContents.print); the e2e
 * harness prints the same page with Chromium's page.pdf, so both paths print identical pages.
 * No image, font or script can load (CSP): everything is inline vector paths.
 */
export function labelPageHtml(svgPages: string[], widthMm: number, heightMm: number): string {
  const size = `${widthMm}mm ${heightMm}mm`;
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>@page { size: ${size}; margin: 0 } html, body { margin: 0; padding: 0 }
svg { display: block; width: ${widthMm}mm; height: ${heightMm}mm; overflow: hidden }
svg + svg { break-before: page }</style>
</head><body>${svgPages.join('\n')}</body></html>`;
}

const fonts = new Map<TemplateFont, ReturnType<typeof fontkit.create>>();
function fontFor(font: TemplateFont): ReturnType<typeof fontkit.create> {
  let f = fonts.get(font);
  if (!f) {
    f = fontkit.create(fontBytes(font));
    fonts.set(font, f);
  }
  return f;
}

const num = (n: number) => String(Math.round(n * 1000) / 1000);
const escapeXml = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/**
 * One label as SVG, drawn from the same layout as the PDF (src/labels/render-pdf.ts): user
 * units are PDF points with the origin at the top left, the QR modules are rectangles on the
 * printer's dot grid, and text is the DejaVu glyph outlines placed with the font's own
 * advances and kerning (as the layout measured them), so no font has to load in the page.
 */
export function labelSvg(layout: LabelLayout): string {
  const t = layout.template;
  const width = t.widthMm * PT_PER_MM;
  const height = t.heightMm * PT_PER_MM;
  const ptPerDot = PT_PER_INCH / t.dpi;
  const { qr } = layout;
  const m = qr.moduleDots * ptPerDot;
  const marks: string[] = [];
  // Dark modules as one path: a rectangle for each horizontal run of a row.
  for (const run of darkRuns(qr)) {
    const x = qr.xDots * ptPerDot + run.col * m;
    const y = qr.yDots * ptPerDot + run.row * m;
    marks.push(`M${num(x)} ${num(y)}h${num(run.length * m)}v${num(m)}h${num(-run.length * m)}z`);
  }
  for (const r of layout.rules) {
    marks.push(
      `M${num(r.xMm * PT_PER_MM)} ${num(r.yMm * PT_PER_MM)}h${num(r.widthMm * PT_PER_MM)}` +
        `v${num(r.heightMm * PT_PER_MM)}h${num(-r.widthMm * PT_PER_MM)}z`,
    );
  }
  const texts = layout.texts.map((text) => {
    const font = fontFor(text.font);
    const scale = text.sizePt / font.unitsPerEm;
    const run = font.layout(text.text);
    let x = text.xMm * PT_PER_MM - (text.align === 'center' ? text.widthPt / 2 : 0);
    const y = text.yMm * PT_PER_MM;
    const glyphs: string[] = [];
    run.glyphs.forEach((glyph, i) => {
      const pos = run.positions[i]!;
      const d = glyph.path.toSVG();
      if (d) {
        const gx = x + pos.xOffset * scale;
        const gy = y - pos.yOffset * scale;
        glyphs.push(
          `<path transform="translate(${num(gx)} ${num(gy)}) scale(${num(scale)} ${num(-scale)})" d="${d}"/>`,
        );
      }
      x += pos.xAdvance * scale;
    });
    return `<g aria-label="${escapeXml(text.text)}">${glyphs.join('')}</g>`;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${num(width)} ${num(height)}" ` +
    `width="${t.widthMm}mm" height="${t.heightMm}mm" role="img" aria-label="label">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<path shape-rendering="crispEdges" d="${marks.join('')}"/>` +
    `<g>${texts.join('')}</g></svg>`
  );
}

/** Microns, as Electron's print page sizes want them. */
export function mmToMicrons(mm: number): number {
  return Math.round(mm * 1000);
}
