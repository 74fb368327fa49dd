import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ROOT } from './build.ts';

/**
 * Where screenshots go. A normal run keeps them with the other test results, so running the
 * tests never changes the work tree; `ZTP_UPDATE_SCREENSHOTS=1` writes them into
 * docs/screenshots/ instead, where the README shows them (commit them after looking at them).
 */
export const UPDATE_SCREENSHOTS = process.env.ZTP_UPDATE_SCREENSHOTS === '1';
export const RESULTS_DIR = path.join(ROOT, '.test-results');
export const DOCS_SCREENSHOT_DIR = path.join(ROOT, 'docs', 'screenshots');
export const SCREENSHOT_DIR = UPDATE_SCREENSHOTS
  ? DOCS_SCREENSHOT_DIR
  : path.join(RESULTS_DIR, 'screenshots');
/** One folder per failed test: its screenshot and the app log. */
export const FAILURE_DIR = path.join(RESULTS_DIR, 'e2e-failures');

/**
 * Saves a PNG reduced to a 64-colour palette (libimagequant, through sharp): the app's flat
 * colours and text survive, and a screen takes ~50 KB instead of ~200 KB, so the committed
 * set stays well under a megabyte. The same code runs on every run, not only when updating.
 */
export async function savePng(png: Uint8Array, file: string): Promise<void> {
  const small = await sharp(png)
    .png({ palette: true, colours: 64, dither: 0, effort: 10, compressionLevel: 9 })
    .toBuffer();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, small);
}

/** A test's name as a folder name. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80) || 'test'
  );
}
