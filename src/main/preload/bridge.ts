import {
  CHANNEL_NAMES,
  EVENT_NAMES,
  type Channel,
  type EventName,
  type EventPayloads,
  type Result,
  type ZtpWindowApi,
} from '../ipc-contract.ts';

/** How a window reaches the main process: ipcRenderer in Electron, bindings in the e2e harness. */
export interface BridgeTransport {
  invoke(channel: Channel, request: unknown): Promise<Result<unknown>>;
  /** Calls `deliver` for every event the main process sends. */
  subscribe(deliver: (event: EventName, payload: unknown) => void): void;
}

/**
 * Builds the `window.ztp` API from the contract's channel and event lists. Names outside the
 * contract are refused here already, before anything crosses the bridge; the main process
 * checks again (and validates every payload), since a compromised renderer skips this code.
 */
export function createWindowApi(transport: BridgeTransport): ZtpWindowApi {
  const channels = new Set<string>(CHANNEL_NAMES);
  const events = new Set<string>(EVENT_NAMES);
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  transport.subscribe((event, payload) => {
    for (const l of listeners.get(event) ?? []) {
      try {
        l(payload);
      } catch (e) {
        console.error(`listener for ${event} failed`, e);
      }
    }
  });
  const api: ZtpWindowApi = {
    invoke(channel, request) {
      if (!channels.has(channel)) {
        return Promise.resolve({
          ok: false,
          error: { code: 'unknown-channel', message: `Unknown IPC channel ${String(channel)}.` },
        });
      }
      return transport.invoke(channel, request).catch((e: unknown) => ({
        ok: false as const,
        error: {
          code: 'failed' as const,
          message: `The workstation did not answer (${(e as Error)?.message ?? e}). Restart the app if this happens again.`,
        },
      })) as ReturnType<ZtpWindowApi['invoke']>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
      if (!events.has(event)) throw new Error(`Unknown event ${String(event)}.`);
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  };
  return Object.freeze(api);
}
