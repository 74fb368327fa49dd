/**
 * The Electron main process: one hardened window on the app's own origin, every IPC call routed
 * through the contract's dispatcher after a sender check, and the engine's events forwarded to
 * the window. Everything the app does happens in AppService (plain Node).
 */
import { app, BrowserWindow, ipcMain, net, protocol, session } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultDataDir } from '../../engine/workstation.ts';
import { IPC_EVENT, IPC_INVOKE } from '../ipc-contract.ts';
import { AppService } from '../services/app-service.ts';
import { createDispatcher } from '../services/dispatcher.ts';
import { createAppParts } from '../services/parts.ts';
import { SimulatedFixture } from '../services/simulated.ts';
import { ElectronLabelPrinter } from './printer.ts';
import { APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY, isAppUrl } from './security.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
const PRELOAD = path.join(ROOT, 'dist', 'preload', 'preload.cjs');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | undefined;

/** Serves the built renderer from app://ztp/, refusing paths outside its folder. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.join(RENDERER_DIR, path.normalize(rel));
    if (url.host !== 'ztp' || !file.startsWith(RENDERER_DIR + path.sep)) {
      return new Response('not found', { status: 404 });
    }
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

/** No network of any kind, camera only for our own origin, nothing else. */
function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed =
      isAppUrl(details.url) ||
      details.url.startsWith('data:') ||
      details.url.startsWith('devtools:');
    callback({ cancel: !allowed });
  });
  ses.setPermissionRequestHandler((wc, permission, callback, details) => {
    const media = details as { mediaTypes?: string[] };
    const ok =
      permission === 'media' &&
      isAppUrl(wc.getURL()) &&
      (media.mediaTypes ?? []).every((t) => t === 'video');
    callback(ok);
  });
  ses.setPermissionCheckHandler(
    (_wc, permission, origin) => permission === 'media' && origin === APP_ORIGIN,
  );
  ses.setDevicePermissionHandler(() => false);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1100,
    minHeight: 700,
    title: 'ZTP Workstation',
    backgroundColor: '#0f172a',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function main(): Promise<void> {
  app.enableSandbox();
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  lockDownSession();
  serveRenderer();

  const dataDir = defaultDataDir();
  const parts = await createAppParts({
    printer: new ElectronLabelPrinter(() => mainWindow?.webContents),
    // Settings → simulated fixture slots: swtpm TPMs for training and trying the app, made in
    // the data folder (their EK certificates chain to the CA in simulated-fixture/).
    simulated: new SimulatedFixture(path.join(dataDir, 'simulated-fixture')),
  });
  const service = new AppService({ dataDir, ...parts });
  const dispatch = createDispatcher(service);

  ipcMain.handle(IPC_INVOKE, (event, channel: unknown, payload: unknown) => {
    // Only our own window, showing our own page, may call the workstation.
    const frame = event.senderFrame;
    if (!mainWindow || event.sender !== mainWindow.webContents || !frame || !isAppUrl(frame.url)) {
      return {
        ok: false,
        error: {
          code: 'forbidden-sender',
          message: 'Calls are only taken from the workstation window.',
        },
      };
    }
    return dispatch(channel, payload);
  });
  service.on('event', (name, payload) => {
    if (mainWindow && !mainWindow.isDestroyed())
      mainWindow.webContents.send(IPC_EVENT, name, payload);
  });

  mainWindow = createWindow();
  mainWindow.on('closed', () => (mainWindow = undefined));
  app.on('second-instance', () => mainWindow?.focus());
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void service.dispose());
}

void main();
