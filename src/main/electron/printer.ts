import { BrowserWindow, type WebContents } from 'electron';
import type { LabelPrinter } from '../services/app-service.ts';
import { labelPageHtml, mmToMicrons } from '../services/label-page.ts';

/**
 * Prints labels with Electron's silent printing to the chosen printer, and keeps the very same
 * page as PDF (printToPDF) for the label files. The label page loads in a hidden, sandboxed
 * window without preload, from a data URL that can load nothing but its own image.
 */
export class ElectronLabelPrinter implements LabelPrinter {
  constructor(private readonly host: () => WebContents | undefined) {}

  async printers() {
    const wc = this.host();
    if (!wc) return [];
    const list = await wc.getPrintersAsync();
    return list.map((p) => ({
      name: p.name,
      description: p.description || p.displayName || p.name,
      isDefault: (p as { isDefault?: boolean }).isDefault ?? false,
    }));
  }

  async print(job: Parameters<LabelPrinter['print']>[0]): Promise<{ pdf: Uint8Array }> {
    const win = new BrowserWindow({
      show: false,
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        javascript: false,
      },
    });
    try {
      const html = labelPageHtml(job.pngDataUrl, job.widthMm, job.heightMm);
      await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
      const pageSize = { width: mmToMicrons(job.widthMm), height: mmToMicrons(job.heightMm) };
      // printToPDF takes inches; the label page's own @page size wins (preferCSSPageSize).
      const pdf = await win.webContents.printToPDF({
        pageSize: { width: job.widthMm / 25.4, height: job.heightMm / 25.4 },
        margins: { top: 0, bottom: 0, left: 0, right: 0 },
        preferCSSPageSize: true,
        printBackground: true,
      });
      await new Promise<void>((resolve, reject) => {
        win.webContents.print(
          {
            silent: true,
            deviceName: job.printer,
            copies: job.copies,
            pageSize,
            margins: { marginType: 'none' },
            printBackground: true,
          },
          (success, reason) =>
            success
              ? resolve()
              : reject(
                  new Error(
                    `The printer ${job.printer} did not take the label (${reason}). Check that it is on, has labels, and is the right printer.`,
                  ),
                ),
        );
      });
      return { pdf: new Uint8Array(pdf) };
    } finally {
      win.destroy();
    }
  }
}
