/**
 * The page a label is printed from: the exact label image at its physical size, nothing else.
 * Electron prints it silently (webContents.print) and saves it as PDF (printToPDF); the e2e
 * harness prints the same page with Chromium's page.pdf, so both paths print identical pages.
 */
export function labelPageHtml(pngDataUrl: string, widthMm: number, heightMm: number): string {
  const size = `${widthMm}mm ${heightMm}mm`;
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<style>@page { size: ${size}; margin: 0 } html, body { margin: 0; padding: 0 }
img { display: block; width: ${widthMm}mm; height: ${heightMm}mm; image-rendering: pixelated }</style>
</head><body><img alt="label" src="${pngDataUrl}"></body></html>`;
}

/** Microns, as Electron's print and printToPDF page sizes want them. */
export function mmToMicrons(mm: number): number {
  return Math.round(mm * 1000);
}
