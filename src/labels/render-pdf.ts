// PDF at the label's exact size, one page per label. The QR symbol is vector rectangles on the
// printer's dot grid (so a 300 dpi printer prints every module the same width), text uses the
// embedded DejaVu fonts, subset to the glyphs used.
import fontkit from '@pdf-lib/fontkit';
import {
  PDFDocument,
  fill,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingGrayscaleColor,
  type PDFFont,
} from 'pdf-lib';
import { fontBytes } from './fonts.ts';
import { MM_PER_INCH, PT_PER_INCH, darkRuns, type LabelLayout } from './layout.ts';
import type { TemplateFont } from './templates.ts';

const PT_PER_MM = PT_PER_INCH / MM_PER_INCH;

export interface PdfMetadata {
  title: string;
  author: string;
  subject: string;
  /** Fixed creation date, so the same batch always gives the same file. */
  date: Date;
}

export async function renderPdf(layouts: LabelLayout[], meta: PdfMetadata): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  doc.setTitle(meta.title);
  doc.setAuthor(meta.author);
  doc.setSubject(meta.subject);
  doc.setCreator('ZTP Workstation');
  doc.setProducer('ZTP Workstation (pdf-lib)');
  doc.setCreationDate(meta.date);
  doc.setModificationDate(meta.date);
  const fonts = new Map<TemplateFont, PDFFont>();
  const fontFor = async (f: TemplateFont) => {
    let font = fonts.get(f);
    if (!font) {
      font = await doc.embedFont(fontBytes(f), { subset: true });
      fonts.set(f, font);
    }
    return font;
  };

  for (const layout of layouts) {
    const t = layout.template;
    const width = t.widthMm * PT_PER_MM;
    const height = t.heightMm * PT_PER_MM;
    const page = doc.addPage([width, height]);
    const ptPerDot = PT_PER_INCH / t.dpi;
    const { qr } = layout;

    // All dark modules as one filled path: rectangles for each horizontal run of a row.
    const ops = [pushGraphicsState(), setFillingGrayscaleColor(0)];
    const m = qr.moduleDots * ptPerDot;
    for (const run of darkRuns(qr)) {
      const x = qr.xDots * ptPerDot + run.col * m;
      const yTop = qr.yDots * ptPerDot + run.row * m;
      ops.push(rectangle(x, height - yTop - m, run.length * m, m));
    }
    for (const r of layout.rules) {
      ops.push(
        rectangle(
          r.xMm * PT_PER_MM,
          height - (r.yMm + r.heightMm) * PT_PER_MM,
          r.widthMm * PT_PER_MM,
          r.heightMm * PT_PER_MM,
        ),
      );
    }
    ops.push(fill(), popGraphicsState());
    page.pushOperators(...ops);

    for (const text of layout.texts) {
      const x = text.xMm * PT_PER_MM - (text.align === 'center' ? text.widthPt / 2 : 0);
      page.drawText(text.text, {
        x,
        y: height - text.yMm * PT_PER_MM,
        size: text.sizePt,
        font: await fontFor(text.font),
        color: rgb(0, 0, 0),
      });
    }
  }
  return doc.save({ useObjectStreams: false });
}
