// One entry point for every output format, plus the demo's three batch files.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeLabelPayload, type LabelPayload } from './payload.ts';
import { labelCount, layoutLabel, type LabelLayout } from './layout.ts';
import { renderPdf } from './render-pdf.ts';
import { renderPng } from './render-png.ts';
import { renderZpl } from './render-zpl.ts';
import { DEFAULT_TEMPLATE, loadTemplate, type LabelTemplate } from './templates.ts';
import type { LabelFormat, LabelInfo } from './types.ts';

export interface RenderOptions {
  /** ZPL only: ^PQ copies of each label (default 1). */
  copies?: number;
  /** PNG of a per-device template: which device's label to preview (default the first). */
  deviceIndex?: number;
}

function checkInfo(info: LabelInfo): void {
  if (!Number.isInteger(info.deviceCount) || info.deviceCount < 0) {
    throw new Error(`device count must be a whole number ≥ 0, got ${info.deviceCount}`);
  }
  if (info.batchName.trim() === '') throw new Error('batch name is empty');
}

function layouts(info: LabelInfo, template: LabelTemplate): LabelLayout[] {
  const n = labelCount(info, template);
  if (n === 0) {
    throw new Error(
      `template ${template.name} prints one label per device, and no device ids were given`,
    );
  }
  return Array.from({ length: n }, (_, i) => layoutLabel(info, template, i));
}

/**
 * Renders a batch's label(s) with a template (a built-in name or a template file path).
 * PDF and ZPL hold every label of the template (one per device for per-device templates);
 * PNG is a preview of one label.
 */
export async function renderLabel(
  info: LabelInfo,
  template: string | LabelTemplate,
  format: LabelFormat,
  options: RenderOptions = {},
): Promise<Uint8Array> {
  checkInfo(info);
  const t = typeof template === 'string' ? loadTemplate(template) : template;
  switch (format) {
    case 'pdf': {
      const date = new Date(info.date);
      return renderPdf(layouts(info, t), {
        title: `${info.batchName} — ZTP batch label`,
        author: info.facility,
        subject: `batch ${info.batchId}`,
        date: Number.isNaN(date.getTime()) ? new Date(0) : date,
      });
    }
    case 'png':
      return renderPng(layoutLabel(info, t, options.deviceIndex ?? 0));
    case 'zpl':
      return renderZpl(layouts(info, t), options.copies ?? 1);
    default:
      throw new Error(`unknown label format '${String(format)}'; use pdf, png or zpl`);
  }
}

export interface BatchLabelFiles {
  pdf: string;
  png: string;
  zpl: string;
  payload: LabelPayload;
}

/**
 * Writes batch.pdf, batch.png and batch.zpl into `outDir` (created if missing), all from the
 * same template (default zebra-4x2), and returns their paths and the QR payload they carry.
 */
export async function writeBatchLabels(
  info: LabelInfo,
  outDir: string,
  options: { template?: string } = {},
): Promise<BatchLabelFiles> {
  const template = loadTemplate(options.template ?? DEFAULT_TEMPLATE);
  if (template.kind !== 'batch') {
    throw new Error(
      `template ${template.name} is a per-device template; batch labels need a batch template`,
    );
  }
  await mkdir(outDir, { recursive: true });
  const files = {
    pdf: path.join(outDir, 'batch.pdf'),
    png: path.join(outDir, 'batch.png'),
    zpl: path.join(outDir, 'batch.zpl'),
  };
  for (const format of ['pdf', 'png', 'zpl'] as const) {
    await writeFile(files[format], await renderLabel(info, template, format));
  }
  return { ...files, payload: encodeLabelPayload(info) };
}
