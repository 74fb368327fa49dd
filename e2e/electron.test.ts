/**
 * The same app through Playwright's Electron launcher, on machines that have an Electron
 * binary. Electron 45's npm package downloads its binary on first use (from GitHub), which
 * the build machines cannot reach: there these specs skip with a message saying so.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT } from './harness/build.ts';
import { AppPages } from './harness/pages.ts';

/** The Electron binary, without triggering the package's download (require('electron') would). */
function electronBinary(): string | undefined {
  if (process.env.ZTP_ELECTRON_BINARY) return process.env.ZTP_ELECTRON_BINARY;
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const bin = path.join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : undefined;
}

const binary = electronBinary();
const built = existsSync(path.join(ROOT, 'dist', 'preload', 'preload.cjs'));
const skipReason = !binary
  ? 'no Electron binary here (node_modules/electron/dist is missing: its download needs GitHub); set ZTP_ELECTRON_BINARY or run on a machine with Electron'
  : !built
    ? 'the app is not built: run `npm run build:app` first'
    : '';
if (skipReason) console.warn(`e2e/electron.test.ts skipped: ${skipReason}`);

describe.skipIf(!!skipReason)(
  `desktop app in Electron${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    it('opens one hardened window and walks first run', { timeout: 120_000 }, async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ztp-electron-'));
      const app = await electron.launch({
        executablePath: binary,
        args: [ROOT],
        env: { ...process.env, ZTP_DATA_DIR: dataDir },
      });
      try {
        const page = await app.firstWindow();
        // Context isolation, sandbox, no node integration: the page sees only window.ztp.
        const seen = await page.evaluate(() => {
          const g = globalThis as unknown as Record<string, unknown>;
          return {
            require: typeof g.require,
            process: typeof g.process,
            ztp: Object.keys(g.ztp as object).sort(),
          };
        });
        expect(seen).toEqual({ require: 'undefined', process: 'undefined', ztp: ['invoke', 'on'] });
        const pages = new AppPages(page);
        await pages.firstRun('Ada Supervisor', 'correct horse battery');
        await pages.continueAfterFingerprint();
        // No new windows and no navigation away from the app.
        await page.evaluate(() =>
          (globalThis as unknown as { open: (u: string) => unknown }).open('https://example.com'),
        );
        expect(app.windows()).toHaveLength(1);
      } finally {
        await app.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  },
);
