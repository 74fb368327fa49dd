import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { LabelPrinter } from '../../src/main/services/app-service.ts';
import { labelPageHtml } from '../../src/main/services/label-page.ts';

export const FAKE_PRINTER = 'ZTP-Fake-Zebra';

/**
 * A fake label printer: Chromium prints the label page to PDF (as Electron's print does to a
 * PDF queue in the app) and the "printer" keeps each job's exact bytes in its spool folder.
 */
export class FakePrinter implements LabelPrinter {
  readonly jobs: { file: string; copies: number; title: string; pages: number }[] = [];

  constructor(
    private readonly browser: () => Browser,
    readonly spoolDir: string,
  ) {
    mkdirSync(spoolDir, { recursive: true });
  }

  async printers() {
    return [{ name: FAKE_PRINTER, description: 'Fake Zebra ZD421 (test spool)', isDefault: true }];
  }

  async print(job: Parameters<LabelPrinter['print']>[0]): Promise<void> {
    if (job.printer !== FAKE_PRINTER) {
      throw new Error(`There is no printer called ${job.printer}: choose one from the list.`);
    }
    const context = await this.browser().newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.setContent(labelPageHtml(job.svgPages, job.widthMm, job.heightMm));
      const pdf = await page.pdf({
        width: `${job.widthMm}mm`,
        height: `${job.heightMm}mm`,
        printBackground: true,
        preferCSSPageSize: true,
      });
      const file = path.join(this.spoolDir, `job-${this.jobs.length + 1}.pdf`);
      writeFileSync(file, pdf);
      this.jobs.push({ file, copies: job.copies, title: job.title, pages: job.svgPages.length });
    } finally {
      await context.close();
    }
  }
}
