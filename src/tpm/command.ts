/**
 * Command and response framing, Part 1 §18 (and Part 3 §5): the header, the handle area, the
 * authorization area and the parameters. Pure functions over bytes, so the wire format is
 * tested by golden bytes without any TPM.
 */
import { TPM_ST } from './constants.ts';
import { MarshalError, TpmFormatError } from './errors.ts';
import { Reader, Writer, type Codec } from './marshal.ts';
import { TPM2BAuth, TPM2BNonce } from './types/buffers.ts';

/** One command as Part 3 defines it: a value that names, encodes and decodes it. */
export interface CommandDef<P, R> {
  /** The Part 3 name without `TPM2_`, e.g. `NV_DefineSpace`. */
  readonly name: string;
  readonly code: number;
  /** The Part 3 section, for messages and doc comments. */
  readonly section: string;
  /** Handles in the command's handle area, in order; the first `authHandles` need authorization. */
  readonly handles: readonly string[];
  readonly authHandles: number;
  readonly params: Codec<P>;
  readonly responseHandles: readonly string[];
  readonly response: Codec<R>;
}

export function defineCommand<P, R>(d: CommandDef<P, R>): CommandDef<P, R> {
  return d;
}

/** One entry of the command's authorization area (TPMS_AUTH_COMMAND, Part 2 §10.13.2). */
export interface AuthCommand {
  sessionHandle: number;
  nonce: Uint8Array;
  sessionAttributes: number;
  hmac: Uint8Array;
}

/** One entry of the response's authorization area (TPMS_AUTH_RESPONSE, Part 2 §10.13.3). */
export interface AuthResponse {
  nonce: Uint8Array;
  sessionAttributes: number;
  hmac: Uint8Array;
}

/** Assembles a command: header, handles, authorization area (if any), parameters. */
export function buildCommand(
  code: number,
  handles: readonly number[],
  auths: readonly AuthCommand[],
  params: Uint8Array,
): Uint8Array {
  const w = new Writer();
  w.u16(auths.length ? TPM_ST.SESSIONS : TPM_ST.NO_SESSIONS)
    .u32(0)
    .u32(code);
  for (const h of handles) w.u32(h);
  if (auths.length) {
    const at = w.length;
    w.u32(0);
    for (const a of auths) {
      w.u32(a.sessionHandle);
      TPM2BNonce.write(w, a.nonce);
      w.u8(a.sessionAttributes);
      TPM2BAuth.write(w, a.hmac);
    }
    w.patchU32(at, w.length - at - 4);
  }
  w.bytes(params);
  w.patchU32(2, w.length);
  return w.finish();
}

export interface ParsedResponse {
  responseCode: number;
  handles: number[];
  /** The parameter area, exactly (for rpHash and for the command's response codec). */
  params: Uint8Array;
  auths: AuthResponse[];
}

/**
 * Splits a response into its parts, checking every size against the others. A non-zero
 * response code comes back as `responseCode` with empty parts (the caller raises TpmError).
 */
export function parseResponse(
  command: string,
  bytes: Uint8Array,
  responseHandles: number,
  sessions: number,
): ParsedResponse {
  try {
    const r = new Reader(bytes);
    const tag = r.u16('tag');
    const size = r.u32('responseSize');
    const responseCode = r.u32('responseCode');
    if (size !== bytes.length) {
      throw new MarshalError(`responseSize says ${size} bytes but ${bytes.length} arrived`);
    }
    if (responseCode !== 0) {
      if (tag !== TPM_ST.NO_SESSIONS && tag !== TPM_ST.RSP_COMMAND) {
        throw new MarshalError(`error response has tag 0x${tag.toString(16)}`);
      }
      return { responseCode, handles: [], params: new Uint8Array(), auths: [] };
    }
    const want = sessions ? TPM_ST.SESSIONS : TPM_ST.NO_SESSIONS;
    if (tag !== want) {
      throw new MarshalError(`tag is 0x${tag.toString(16)}, expected 0x${want.toString(16)}`);
    }
    const handles: number[] = [];
    for (let i = 0; i < responseHandles; i++) handles.push(r.u32('response handle'));
    let params: Uint8Array;
    const auths: AuthResponse[] = [];
    if (sessions) {
      const parameterSize = r.u32('parameterSize');
      if (parameterSize > r.remaining) {
        throw new MarshalError(
          `parameterSize ${parameterSize} exceeds the ${r.remaining} bytes left`,
        );
      }
      params = r.bytes(parameterSize, 'parameters');
      for (let i = 0; i < sessions; i++) {
        const nonce = TPM2BNonce.read(r);
        const sessionAttributes = r.u8('sessionAttributes');
        const hmac = TPM2BAuth.read(r);
        auths.push({ nonce, sessionAttributes, hmac });
      }
      r.done('the authorization area');
    } else {
      params = r.bytes(r.remaining, 'parameters');
    }
    return { responseCode, handles, params, auths };
  } catch (e) {
    if (e instanceof MarshalError) throw new TpmFormatError(command, e.message);
    throw e;
  }
}

/** Decodes a command's response parameters with its codec; every byte must be used. */
export function decodeParams<R>(def: CommandDef<unknown, R>, params: Uint8Array): R {
  try {
    const r = new Reader(params);
    const v = def.response.read(r);
    r.done(`the ${def.name} response parameters`);
    return v;
  } catch (e) {
    if (e instanceof MarshalError) throw new TpmFormatError(def.name, e.message);
    throw e;
  }
}

/** Encodes a command's parameters with its codec. */
export function encodeParams<P>(def: CommandDef<P, unknown>, params: P): Uint8Array {
  const w = new Writer();
  def.params.write(w, params);
  return w.finish();
}
