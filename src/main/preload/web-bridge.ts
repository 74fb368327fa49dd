/**
 * The same `window.ztp` API for the renderer running in plain Chromium (the e2e harness): calls
 * go through the `__ztpInvoke` binding that Playwright exposes, events arrive through
 * `__ztpDeliver`, which the harness calls. Bundled into an init script by e2e/harness.
 */
import type { Channel, EventName, Result } from '../ipc-contract.ts';
import { createWindowApi } from './bridge.ts';

declare global {
  interface Window {
    __ztpInvoke?: (channel: Channel, request: unknown) => Promise<Result<unknown>>;
    __ztpDeliver?: (event: EventName, payload: unknown) => void;
  }
}

const api = createWindowApi({
  invoke: (channel, request) => window.__ztpInvoke!(channel, request),
  subscribe: (deliver) => {
    window.__ztpDeliver = deliver;
  },
});
Object.defineProperty(window, 'ztp', { value: api, writable: false, configurable: false });
