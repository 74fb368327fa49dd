import {
  CHANNELS,
  type Channel,
  type ParsedRequestOf,
  type ResponseOf,
  type Result,
} from '../ipc-contract.ts';
import type { AppService } from './app-service.ts';
import { toErrorValue } from './errors.ts';

type Handlers = {
  [C in Channel]: (req: ParsedRequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>;
};

/** Channel → AppService method. A missing channel is a type error, so none is forgotten. */
function handlersFor(s: AppService): Handlers {
  return {
    'app.status': () => s.status(),
    'app.init': (r) => s.init(r),
    'app.unlock': (r) => s.unlock(r),
    'app.lock': () => s.lock(),
    'app.facilityKeys': () => s.facilityKeys(),
    'batches.list': () => s.listBatches(),
    'batches.profiles': () => s.profiles(),
    'batches.create': (r) => s.createBatch(r),
    'batches.get': (r) => s.getBatch(r),
    'batches.close': (r) => s.closeBatch(r),
    'devices.page': (r) => s.devicePage(r),
    'devices.get': (r) => s.device(r),
    'devices.setAside': (r) => s.setAside(r),
    'audit.list': (r) => s.audit(r),
    'audit.verify': () => s.verifyAudit(),
    'station.state': () => s.stationState(),
    'station.start': (r) => s.startRun(r),
    'station.stop': () => s.stopRun(),
    'station.resume': (r) => s.startRun(r, true),
    'labels.templates': () => s.labelTemplates(),
    'labels.preview': (r) => s.labelPreview(r),
    'labels.printers': () => s.printers(),
    'labels.print': (r) => s.print(r),
    'labels.check': (r) => s.checkLabel(r),
    'export.drives': () => s.drives(),
    'export.run': (r) => s.exportBatch(r),
    'settings.get': () => s.settings(),
    'settings.set': (r) => s.setSettings(r),
  };
}

export type Dispatch = (channel: unknown, payload: unknown) => Promise<Result<unknown>>;

/**
 * The one entry point for every call from a window: checks the channel exists, validates the
 * payload against the contract, runs the handler and answers with a result value. Nothing is
 * thrown across the bridge. Electron's ipcMain and the e2e harness both call this.
 */
export function createDispatcher(service: AppService): Dispatch {
  const handlers = handlersFor(service);
  return async (channel, payload) => {
    if (typeof channel !== 'string' || !Object.hasOwn(CHANNELS, channel)) {
      return {
        ok: false,
        error: { code: 'unknown-channel', message: `Unknown IPC channel ${String(channel)}.` },
      };
    }
    const c = channel as Channel;
    const parsed = CHANNELS[c].request.safeParse(payload ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
        .join('; ');
      return { ok: false, error: { code: 'bad-request', message: `Invalid request: ${issues}.` } };
    }
    try {
      const handler = handlers[c] as (req: unknown) => unknown;
      return { ok: true, value: await handler(parsed.data) };
    } catch (e) {
      return { ok: false, error: toErrorValue(e) };
    }
  };
}
