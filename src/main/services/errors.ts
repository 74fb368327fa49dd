import type { ErrorCode } from '../ipc-contract.ts';

/** An error a service method raises on purpose, with the code the UI acts on. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/**
 * Maps whatever a handler threw to the `{ code, message }` that crosses the bridge. Engine
 * errors already say what happened and what to do next, so their message is kept; only the
 * code is derived, from the error's class name (the engine's classes are not imported here so
 * that this stays a leaf module).
 */
export function toErrorValue(e: unknown): { code: ErrorCode; message: string } {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  const byName: Record<string, ErrorCode> = {
    WrongPassphraseError: 'wrong-passphrase',
    NotInitializedError: 'not-initialized',
    PermissionError: 'permission',
    BatchStateError: 'state',
  };
  const code = byName[err.name] ?? (/is locked/.test(err.message) ? 'locked' : 'failed');
  return { code, message: err.message || 'Something went wrong without a message.' };
}
