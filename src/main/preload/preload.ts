/**
 * The sandboxed preload, bundled into one CommonJS file (a sandboxed preload may only require
 * electron, events, timers and url). It exposes exactly the contract's API as `window.ztp`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type EventName, type Result } from '../ipc-contract.ts';
import { createWindowApi } from './bridge.ts';

const api = createWindowApi({
  invoke: (channel, request) =>
    ipcRenderer.invoke(IPC_INVOKE, channel, request) as Promise<Result<unknown>>,
  subscribe: (deliver) => {
    ipcRenderer.on(IPC_EVENT, (_e, event: EventName, payload: unknown) => deliver(event, payload));
  },
});

contextBridge.exposeInMainWorld('ztp', api);
