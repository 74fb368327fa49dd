import { BrowserWindow, type WebContents } from 'electron';
import type { LabelPrinter } from '../services/app-service.ts';
import { labelPageHtml, mmToMicrons } from '../services/label-page.ts';

/**
 * Prints labels with Electron's silent printing to the chosen printer. The label page (vector
 * SVG, one label per page) loads in a hidden, sandboxed window without preload or JavaScript,
 * from a data URL whose CSP lets it load nothing. The label file kept with the batch is the
 * service's own vector PDF, not a copy of this page.
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

  async print(job: Parameters<LabelPrinter['print']>[0]): Promise<void> {
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
      const html = labelPageHtml(job.svgPages, job.widthMm, job.heightMm);
      await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
      const pageSize = { width: mmToMicrons(job.widthMm), height: mmToMicrons(job.heightMm) };
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
    } finally {
      win.destroy();
    }
  }
}
