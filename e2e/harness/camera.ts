import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

const run = promisify(execFile);

/** Chromium's fake camera keeps the frame size of the file it first opened: one size for all. */
export const CAMERA_WIDTH = 1280;
export const CAMERA_HEIGHT = 720;

/** Rasterizes the first page of a printed PDF (the fake printer's job) to PNG with poppler. */
export async function rasterizePdf(pdfFile: string, pngBase: string, dpi = 200): Promise<string> {
  await run('pdftoppm', ['-png', '-r', String(dpi), '-singlefile', pdfFile, pngBase]);
  return `${pngBase}.png`;
}

/**
 * Writes a Y4M video for Chromium's fake camera: the image (the printed label) centred on a
 * white sheet, as a camera over the fixture would see it. Chromium loops the frames.
 */
export function writeCameraVideo(
  pngFile: string,
  y4mFile: string,
  width = CAMERA_WIDTH,
  height = CAMERA_HEIGHT,
): void {
  const img = PNG.sync.read(readFileSync(pngFile));
  const scale = Math.min((width * 0.92) / img.width, (height * 0.92) / img.height);
  const w = Math.floor(img.width * scale);
  const h = Math.floor(img.height * scale);
  const x0 = Math.floor((width - w) / 2);
  const y0 = Math.floor((height - h) / 2);
  const Y = Buffer.alloc(width * height, 235);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Nearest-neighbour keeps the QR modules' edges sharp.
      const sx = Math.min(img.width - 1, Math.floor(x / scale));
      const sy = Math.min(img.height - 1, Math.floor(y / scale));
      const i = (sy * img.width + sx) * 4;
      const a = img.data[i + 3]! / 255;
      const lum = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      const v = lum * a + 255 * (1 - a);
      Y[(y0 + y) * width + x0 + x] = Math.round(16 + (v * 219) / 255);
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Y, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(y4mFile, Buffer.concat([header, frame, frame, frame]));
}

/** A grey test card, so the fake camera has a file before any label is printed. */
export function writeBlankVideo(
  y4mFile: string,
  width = CAMERA_WIDTH,
  height = CAMERA_HEIGHT,
): void {
  const Y = Buffer.alloc(width * height, 120);
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  writeFileSync(
    y4mFile,
    Buffer.concat([
      Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`),
      Y,
      chroma,
      chroma,
    ]),
  );
}
