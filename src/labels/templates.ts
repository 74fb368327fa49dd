// Label templates: declarative JSON files in resources/labels/ (or any path the operator
// names). One template drives all three renderers, so the PDF, the PNG preview and the ZPL
// show the same layout. Coordinates are millimetres from the label's top-left corner; a
// text's `yMm` is its baseline, which is what PDF, canvas and ZPL's ^FT all position by.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../resources/labels/', import.meta.url));

export type TemplateFont = 'regular' | 'bold' | 'bold-condensed' | 'mono';

export interface TemplateText {
  /** Text with {placeholders}; a line whose placeholders are all empty is left out. */
  text: string;
  xMm: number;
  yMm: number;
  sizePt: number;
  /** Shrinks down to this size before truncating with an ellipsis (default: sizePt). */
  minSizePt?: number;
  font: TemplateFont;
  maxWidthMm: number;
  /** 'center' centres the text on xMm. */
  align?: 'left' | 'center';
}

export interface TemplateRule {
  xMm: number;
  yMm: number;
  widthMm: number;
  heightMm: number;
}

export interface LabelTemplate {
  name: string;
  description: string;
  /** 'batch': one label per batch; 'device': one label per device (info.devices). */
  kind: 'batch' | 'device';
  widthMm: number;
  heightMm: number;
  /** The target printer's resolution: PNG pixels and ZPL dots are at this density. */
  dpi: number;
  /** Square box for the QR symbol including its 4-module quiet zone. */
  qr: { xMm: number; yMm: number; sizeMm: number };
  rules: TemplateRule[];
  texts: TemplateText[];
}

export const DEFAULT_TEMPLATE = 'zebra-4x2';

/** Names of the built-in templates. */
export function listTemplates(): LabelTemplate[] {
  return readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadTemplateFile(path.join(TEMPLATES_DIR, f)));
}

/** A built-in template by name, or a template file by path (anything containing '/' or ending .json). */
export function loadTemplate(nameOrPath: string): LabelTemplate {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.json')) return loadTemplateFile(nameOrPath);
  const file = path.join(TEMPLATES_DIR, `${nameOrPath}.json`);
  if (!/^[\w.-]+$/.test(nameOrPath) || !existsSync(file)) {
    const names = listTemplates().map((t) => t.name);
    throw new Error(`unknown label template '${nameOrPath}'; available: ${names.join(', ')}`);
  }
  return loadTemplateFile(file);
}

function loadTemplateFile(file: string): LabelTemplate {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read label template ${file}: ${(e as Error).message}`);
  }
  return validateTemplate(raw, file);
}

function fail(where: string, what: string): never {
  throw new Error(`label template ${where}: ${what}`);
}

function num(o: Record<string, unknown>, key: string, where: string, min = 0): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    fail(where, `'${key}' must be a number ≥ ${min}`);
  }
  return v;
}

/** Checks a parsed template, so a typo in a JSON file fails with its name and field. */
export function validateTemplate(raw: unknown, where: string): LabelTemplate {
  if (typeof raw !== 'object' || raw === null) fail(where, 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') fail(where, "'name' must be a string");
  if (o.kind !== 'batch' && o.kind !== 'device') fail(where, "'kind' must be 'batch' or 'device'");
  const widthMm = num(o, 'widthMm', where, 10);
  const heightMm = num(o, 'heightMm', where, 10);
  const dpi = num(o, 'dpi', where, 100);
  const qr = (o.qr ?? {}) as Record<string, unknown>;
  const box = {
    xMm: num(qr, 'xMm', `${where} qr`),
    yMm: num(qr, 'yMm', `${where} qr`),
    sizeMm: num(qr, 'sizeMm', `${where} qr`, 5),
  };
  if (box.xMm + box.sizeMm > widthMm + 0.01 || box.yMm + box.sizeMm > heightMm + 0.01) {
    fail(where, 'the QR box does not fit on the label');
  }
  const texts = (Array.isArray(o.texts) ? o.texts : fail(where, "'texts' must be an array")).map(
    (t: unknown, i: number): TemplateText => {
      const w = `${where} texts[${i}]`;
      const r = (t ?? {}) as Record<string, unknown>;
      if (typeof r.text !== 'string') fail(w, "'text' must be a string");
      if (!['regular', 'bold', 'bold-condensed', 'mono'].includes(r.font as string)) {
        fail(w, "'font' must be regular, bold, bold-condensed or mono");
      }
      if (r.align !== undefined && r.align !== 'left' && r.align !== 'center') {
        fail(w, "'align' must be left or center");
      }
      const sizePt = num(r, 'sizePt', w, 3);
      return {
        text: r.text,
        xMm: num(r, 'xMm', w),
        yMm: num(r, 'yMm', w),
        sizePt,
        minSizePt: r.minSizePt === undefined ? sizePt : num(r, 'minSizePt', w, 3),
        font: r.font as TemplateFont,
        maxWidthMm: num(r, 'maxWidthMm', w, 1),
        align: (r.align as 'left' | 'center' | undefined) ?? 'left',
      };
    },
  );
  const rules = (Array.isArray(o.rules) ? o.rules : []).map((t: unknown, i: number) => {
    const w = `${where} rules[${i}]`;
    const r = (t ?? {}) as Record<string, unknown>;
    return {
      xMm: num(r, 'xMm', w),
      yMm: num(r, 'yMm', w),
      widthMm: num(r, 'widthMm', w),
      heightMm: num(r, 'heightMm', w),
    };
  });
  return {
    name: o.name,
    description: typeof o.description === 'string' ? o.description : '',
    kind: o.kind,
    widthMm,
    heightMm,
    dpi,
    qr: box,
    rules,
    texts,
  };
}
