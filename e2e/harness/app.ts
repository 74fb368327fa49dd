import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../src/main/electron/security.ts';
import { AppService, type BatchExporter } from '../../src/main/services/app-service.ts';
import { createDispatcher } from '../../src/main/services/dispatcher.ts';
import { RemovableDriveSource } from '../../src/main/services/drives.ts';
import { ManifestExporter } from '../../src/main/services/exporter.ts';
import { SettingsFixture } from '../../src/main/services/fixture.ts';
import { SimulatedFixture } from '../../src/main/services/simulated.ts';
import { openTpmOps } from '../../src/engine/tpm-adapter.ts';
import { RENDERER_DIST, WEB_BRIDGE, ensureBuilt } from './build.ts';
import { writeBlankVideo } from './camera.ts';
import { makeFakeUsbDrive } from './fake-drive.ts';
import { FakePrinter } from './fake-printer.ts';
import { FAILURE_DIR, SCREENSHOT_DIR, savePng, slug } from './screenshots.ts';
import { serveStatic } from './server.ts';

export const CHROMIUM = process.env.ZTP_CHROMIUM ?? '/usr/bin/chromium';

export interface Workstation {
  page: Page;
  context: BrowserContext;
  service: AppService;
  sim: SimulatedFixture;
  printer: FakePrinter;
  drive: { root: string; mountPoint: string; device: string };
  /** The file Chromium's fake camera plays; rewrite it before a scan. */
  cameraFile: string;
  dir: string;
  dataDir: string;
  /** Requests that left the app's own origin (must stay empty: the app is offline). */
  foreignRequests: string[];
  /** What the page's Content Security Policy refused (the same policy as the Electron shell). */
  cspViolations: string[];
  /** Console errors, page errors, refused calls and the app's events, attached on failure. */
  log: string[];
  /** Saves the current screen (see screenshots.ts for where). */
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<void>;
  /**
   * Saves what a failed test leaves behind, while the app still runs: a screenshot and the
   * app log, in .test-results/e2e-failures/<test>/. `close` waits for a capture in flight.
   */
  captureFailure(test: string, error?: unknown): Promise<{ log: string; screenshot?: string }>;
  /** Closes the page and the service, then opens the same data folder again (an app restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Chromium flags that work on the build machines (platform.md), plus the fake camera. */
function chromiumArgs(cameraFile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${cameraFile}`,
  ];
}

/**
 * Starts one workstation for one test: its own data folder, its own simulated TPMs, fake
 * printer and fake USB drive, the real AppService on the real engine, and the built renderer
 * in Debian Chromium with `window.ztp` bridged to the service through Playwright bindings,
 * exactly the API the preload gives the renderer inside Electron.
 */
export async function launchWorkstation(
  options: { exporter?: BatchExporter } = {},
): Promise<Workstation> {
  await ensureBuilt();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ztp-e2e-'));
  const dataDir = path.join(dir, 'data');
  const cameraFile = path.join(dir, 'camera.y4m');
  writeBlankVideo(cameraFile);
  const sim = new SimulatedFixture(path.join(dir, 'sim'));
  const drive = makeFakeUsbDrive(path.join(dir, 'fake-root'));
  const log: string[] = [];
  const foreignRequests: string[] = [];
  const cspViolations: string[] = [];

  const server = await serveStatic(RENDERER_DIST, CONTENT_SECURITY_POLICY);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: chromiumArgs(cameraFile),
    headless: true,
  });
  const printer = new FakePrinter(() => browser, path.join(dir, 'printer-spool'));
  const bridge = readFileSync(WEB_BRIDGE, 'utf8');

  const makeService = () =>
    new AppService({
      dataDir,
      // The simulated TPMs outlive a restart of the service, as chips stay in the fixture.
      fixture: new SettingsFixture((name) => openTpmOps(name), {
        ensure: (n) => sim.ensure(n),
        close: async () => undefined,
      }),
      printer,
      drives: new RemovableDriveSource({ root: drive.root }),
      exporter: options.exporter ?? new ManifestExporter({ root: drive.root }),
      poolSize: 2,
      // A cheap scrypt keeps the suite fast; the cost is a parameter of the same code path.
      kdf: { N: 2 ** 14, r: 8, p: 1 },
    });

  let service = makeService();
  let context: BrowserContext;
  let page: Page;

  const open = async () => {
    context = await browser.newContext({
      // Small enough for the README's screenshots, wide enough for the two-column screens.
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      permissions: ['camera'],
    });
    // Everything the page asks for must come from the app's own server.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (
        url.startsWith(server.origin + '/') ||
        url.startsWith('data:') ||
        url.startsWith('blob:')
      ) {
        return route.continue();
      }
      foreignRequests.push(url);
      return route.abort('blockedbyclient');
    });
    const dispatch = createDispatcher(service);
    await context.exposeBinding(
      '__ztpInvoke',
      async (_source, channel: unknown, payload: unknown) => {
        const result = await dispatch(channel, payload);
        if (!result.ok)
          log.push(`call ${String(channel)}: ${result.error.code}: ${result.error.message}`);
        return result;
      },
    );
    await context.addInitScript({ content: bridge });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      log.push(`console: ${m.text()}`);
      if (/Content Security Policy/.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    const deliver = (event: string, payload: unknown) => {
      void page
        .evaluate(
          ([e, p]) =>
            (globalThis as { __ztpDeliver?: (e: string, p: unknown) => void }).__ztpDeliver?.(e, p),
          [event, payload] as const,
        )
        .catch(() => undefined);
    };
    service.on('event', deliver);
    // The app's own events, as context for a failure (the last few hundred only).
    service.on('event', (event, payload) => {
      log.push(`event ${event}: ${JSON.stringify(payload).slice(0, 300)}`);
      if (log.length > 400) log.splice(0, log.length - 400);
    });
    await page.goto(`${server.origin}/index.html`);
  };
  await open();

  let capturing: Promise<unknown> = Promise.resolve();
  const ws: Workstation = {
    get page() {
      return page;
    },
    get context() {
      return context;
    },
    get service() {
      return service;
    },
    sim,
    printer,
    drive,
    cameraFile,
    dir,
    dataDir,
    foreignRequests,
    cspViolations,
    log,
    async screenshot(name, options = {}) {
      await savePng(
        await page.screenshot({ fullPage: options.fullPage ?? false }),
        path.join(SCREENSHOT_DIR, `${name}.png`),
      );
    },
    captureFailure(test, error) {
      const folder = path.join(FAILURE_DIR, slug(test));
      const capture = (async () => {
        mkdirSync(folder, { recursive: true });
        const logFile = path.join(folder, 'app.log');
        const lines = [...log];
        if (error !== undefined)
          lines.push(
            `test error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        writeFileSync(logFile, lines.join('\n') + '\n');
        const shot = path.join(folder, 'screenshot.png');
        try {
          writeFileSync(shot, await page.screenshot({ fullPage: true, timeout: 15_000 }));
          return { log: logFile, screenshot: shot };
        } catch (e) {
          writeFileSync(logFile, `no screenshot: ${(e as Error).message}\n`, { flag: 'a' });
          return { log: logFile };
        }
      })();
      capturing = capture.catch(() => undefined);
      return capture;
    },
    async restart() {
      await context.close();
      service.removeAllListeners();
      await service.dispose();
      service = makeService();
      await open();
    },
    async close() {
      await capturing;
      await context?.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await service.dispose().catch(() => undefined);
      await sim.close().catch(() => undefined);
      await server.close();
      if (process.env.ZTP_E2E_KEEP) writeFileSync(path.join(dir, 'KEPT'), 'kept for inspection\n');
      else rmSync(dir, { recursive: true, force: true });
    },
  };
  return ws;
}
