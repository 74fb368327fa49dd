import { useEffect, useRef } from 'react';
import type {
  Channel,
  ErrorCode,
  EventName,
  EventPayloads,
  RequestOf,
  ResponseOf,
  ZtpWindowApi,
} from '../main/ipc-contract.ts';

declare global {
  interface Window {
    ztp: ZtpWindowApi;
  }
}

/** A handler's refusal, as the main process phrased it. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Calls one channel of the contract; resolves with its value or rejects with an ApiError. */
export async function call<C extends Channel>(
  channel: C,
  request: RequestOf<C>,
): Promise<ResponseOf<C>> {
  const result = await window.ztp.invoke(channel, request);
  if (!result.ok) throw new ApiError(result.error.code, result.error.message);
  return result.value;
}

/** Subscribes to one event while the component is mounted. */
export function useEvent<E extends EventName>(
  event: E,
  listener: (payload: EventPayloads[E]) => void,
): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => window.ztp.on(event, (p) => ref.current(p)), [event]);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
