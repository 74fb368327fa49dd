// The QR payload of a batch label, version 1 (pure: also runs in the renderer next to html5-qrcode) (documented in docs/labels.md). It carries the
// whole group public key (GPK) so a customer can activate the batch from the label alone, the
// batch id so the workstation can tell which batch a label belongs to, and a checksum so a
// damaged or hand-edited payload is refused instead of activating the wrong group.
//
//   record   = "ZTP" ‖ 0x01 ‖ idLen(1) ‖ batchId (ASCII) ‖ GPK (258) ‖ check (4)
//   check    = first 4 bytes of SHA-256 over everything before it in `record`
//   byte form: the record itself, in QR byte mode
//   text form: "ZTP1:" ‖ base45(idLen ‖ batchId ‖ GPK ‖ check), in QR alphanumeric mode
import { sha256 } from '@noble/hashes/sha2.js';
import QRCode from 'qrcode';
import { base45Decode, base45Encode } from './base45.ts';

/** Size of an ECDAA group public key: X(129) ‖ Y(129), each a G2 point `04 ‖ x.a ‖ x.b ‖ y.a ‖ y.b`. */
export const GPK_LENGTH = 258;
export const BATCH_ID_MAX_LENGTH = 40;
export const PAYLOAD_VERSION = 1;
/** Prefix of the text form; every character is in QR's alphanumeric set. */
export const TEXT_PREFIX = 'ZTP1:';
const MAGIC = new Uint8Array([0x5a, 0x54, 0x50]); // "ZTP"
const CHECK_LENGTH = 4;

export type PayloadMode = 'alphanumeric' | 'byte';
export type ErrorCorrection = 'M' | 'Q' | 'H';

export interface LabelPayloadInput {
  batchId: string;
  gpk: Uint8Array;
}

export interface LabelPayload {
  /** The text form (alphanumeric mode); set when `mode` is 'alphanumeric'. */
  text?: string;
  /** The byte form (byte mode); set when `mode` is 'byte'. */
  bytes?: Uint8Array;
  mode: PayloadMode;
  /** QR version (1–40) of the symbol; size in modules is 17 + 4·version. */
  qrVersion: number;
  /** The highest error-correction level that still fits in `qrVersion` (M at least). */
  errorCorrection: ErrorCorrection;
}

export type LabelPayloadErrorKind = 'foreign' | 'unsupported' | 'damaged' | 'invalid-input';

/** A payload that is not ours, from a newer version, or damaged; `kind` says which. */
export class LabelPayloadError extends Error {
  constructor(
    readonly kind: LabelPayloadErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'LabelPayloadError';
  }
}

function checkInput({ batchId, gpk }: LabelPayloadInput): void {
  if (batchId.length < 1 || batchId.length > BATCH_ID_MAX_LENGTH) {
    throw new LabelPayloadError(
      'invalid-input',
      `batch id must be 1 to ${BATCH_ID_MAX_LENGTH} characters, got ${batchId.length}`,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(batchId)) {
    throw new LabelPayloadError(
      'invalid-input',
      `batch id ${JSON.stringify(batchId)} must be printable ASCII without spaces`,
    );
  }
  checkGpkShape(gpk, 'invalid-input');
}

function checkGpkShape(gpk: Uint8Array, kind: LabelPayloadErrorKind): void {
  if (gpk.length !== GPK_LENGTH) {
    throw new LabelPayloadError(kind, `GPK must be ${GPK_LENGTH} bytes, got ${gpk.length}`);
  }
  if (gpk[0] !== 0x04 || gpk[129] !== 0x04) {
    throw new LabelPayloadError(
      kind,
      'GPK must be two uncompressed G2 points (each starting with byte 04); this one is not',
    );
  }
}

/** idLen ‖ batchId ‖ GPK ‖ check: the part shared by both forms. */
function encodeBody({ batchId, gpk }: LabelPayloadInput): Uint8Array {
  const id = new TextEncoder().encode(batchId);
  const unchecked = new Uint8Array(1 + id.length + GPK_LENGTH);
  unchecked[0] = id.length;
  unchecked.set(id, 1);
  unchecked.set(gpk, 1 + id.length);
  const body = new Uint8Array(unchecked.length + CHECK_LENGTH);
  body.set(unchecked);
  body.set(checksum(unchecked), unchecked.length);
  return body;
}

function checksum(uncheckedBody: Uint8Array): Uint8Array {
  const prefixed = new Uint8Array(MAGIC.length + 1 + uncheckedBody.length);
  prefixed.set(MAGIC);
  prefixed[MAGIC.length] = PAYLOAD_VERSION;
  prefixed.set(uncheckedBody, MAGIC.length + 1);
  return sha256(prefixed).subarray(0, CHECK_LENGTH);
}

/** The text form: "ZTP1:" ‖ base45(body). */
export function encodeTextPayload(input: LabelPayloadInput): string {
  checkInput(input);
  return TEXT_PREFIX + base45Encode(encodeBody(input));
}

/** The byte form: "ZTP" ‖ 0x01 ‖ body. */
export function encodeBytePayload(input: LabelPayloadInput): Uint8Array {
  checkInput(input);
  const body = encodeBody(input);
  const out = new Uint8Array(MAGIC.length + 1 + body.length);
  out.set(MAGIC);
  out[MAGIC.length] = PAYLOAD_VERSION;
  out.set(body, MAGIC.length + 1);
  return out;
}

/** The QR segments that carry a payload, in the mode it was chosen for. */
export function payloadSegments(payload: LabelPayload): QRCode.QRCodeSegment[] {
  if (payload.mode === 'alphanumeric') {
    return [{ data: payload.text!, mode: 'alphanumeric' }];
  }
  return [{ data: new Uint8ClampedArray(payload.bytes!), mode: 'byte' }];
}

/** Smallest version at level M, then the strongest level that still fits that version. */
export function fitSymbol(segments: QRCode.QRCodeSegment[]): {
  qrVersion: number;
  errorCorrection: ErrorCorrection;
} {
  const qrVersion = QRCode.create(segments, { errorCorrectionLevel: 'M' }).version;
  for (const level of ['H', 'Q'] as const) {
    try {
      QRCode.create(segments, { errorCorrectionLevel: level, version: qrVersion });
      return { qrVersion, errorCorrection: level };
    } catch {
      // Does not fit at this level in the same version: try the next weaker one.
    }
  }
  return { qrVersion, errorCorrection: 'M' };
}

/**
 * Encodes a batch label payload in both forms and keeps the one with the smaller QR symbol.
 * On a tie the text form wins: phone cameras, keyboard-wedge handheld scanners, browsers'
 * decoders and ZPL field data all pass text through unchanged, while raw bytes get mangled by
 * charset guessing. For a 36-character UUID batch id both forms need version 13 (69×69) at M.
 */
export function encodeLabelPayload(
  input: LabelPayloadInput,
  options: { mode?: PayloadMode | 'auto' } = {},
): LabelPayload {
  const mode = options.mode ?? 'auto';
  const text: LabelPayload = {
    text: encodeTextPayload(input),
    mode: 'alphanumeric',
    qrVersion: 0,
    errorCorrection: 'M',
  };
  const bytes: LabelPayload = {
    bytes: encodeBytePayload(input),
    mode: 'byte',
    qrVersion: 0,
    errorCorrection: 'M',
  };
  Object.assign(text, fitSymbol(payloadSegments(text)));
  Object.assign(bytes, fitSymbol(payloadSegments(bytes)));
  if (mode === 'alphanumeric') return text;
  if (mode === 'byte') return bytes;
  return bytes.qrVersion < text.qrVersion ? bytes : text;
}

function describeStart(data: string): string {
  const shown = data.slice(0, 12);
  return JSON.stringify(shown) + (data.length > 12 ? '…' : '');
}

function asciiPrefix(bytes: Uint8Array, n: number): string {
  return String.fromCharCode(...bytes.subarray(0, n));
}

/**
 * Reads a batch label payload in either form (text, or the raw bytes a decoder returned).
 * Throws a LabelPayloadError saying whether it is foreign, from an unsupported version, or
 * damaged.
 */
export function parseLabelPayload(payload: string | Uint8Array): {
  batchId: string;
  gpk: Uint8Array;
} {
  if (typeof payload !== 'string') {
    const asText = new TextDecoder('latin1').decode(payload);
    if (asText.trimStart().startsWith(TEXT_PREFIX)) return parseLabelPayload(asText);
    if (asciiPrefix(payload, 3) !== 'ZTP') {
      throw new LabelPayloadError(
        'foreign',
        `not a ZTP batch label: the payload does not start with "ZTP" (${payload.length} bytes, starting ${[...payload.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')})`,
      );
    }
    if (payload[3] !== PAYLOAD_VERSION) {
      throw unsupported(String(payload[3]));
    }
    return parseBody(payload.subarray(4), 'byte');
  }
  // Scanners and copy-paste add whitespace around a scan (keyboard wedges end it with CR or
  // LF). Trimming it never changes a valid payload: a space is a base45 digit, but never the
  // last one (the last digit of a group is at most 65535 / 2025 = 32, or 255 / 45 = 5 for a
  // final single byte, and a space is 36), and nothing before "ZTP1:" is ours.
  const text = payload.trim();
  if (!text.startsWith(TEXT_PREFIX)) {
    const other = /^ZTP(\d+):/.exec(text);
    if (other) throw unsupported(other[1]!);
    throw new LabelPayloadError(
      'foreign',
      `not a ZTP batch label: the payload does not start with "${TEXT_PREFIX}" (it starts ${describeStart(text)})`,
    );
  }
  let body: Uint8Array;
  try {
    body = base45Decode(text.slice(TEXT_PREFIX.length));
  } catch (e) {
    throw damaged(`its base45 text is malformed (${(e as Error).message})`);
  }
  return parseBody(body, 'text');
}

function unsupported(version: string): LabelPayloadError {
  return new LabelPayloadError(
    'unsupported',
    `this label uses payload version ${version}; this workstation reads version ${PAYLOAD_VERSION} only — update the workstation software`,
  );
}

function damaged(why: string): LabelPayloadError {
  return new LabelPayloadError(
    'damaged',
    `damaged ZTP label payload: ${why}; rescan the label, or reprint it if it is physically damaged`,
  );
}

function parseBody(body: Uint8Array, form: 'text' | 'byte'): { batchId: string; gpk: Uint8Array } {
  const idLen = body[0] ?? 0;
  const expected = 1 + idLen + GPK_LENGTH + CHECK_LENGTH;
  if (idLen < 1 || idLen > BATCH_ID_MAX_LENGTH) {
    throw damaged(`batch id length ${idLen} is outside 1–${BATCH_ID_MAX_LENGTH}`);
  }
  if (body.length !== expected) {
    throw damaged(
      `the ${form} form holds ${body.length} bytes after its header, expected ${expected}`,
    );
  }
  const unchecked = body.subarray(0, expected - CHECK_LENGTH);
  const check = body.subarray(expected - CHECK_LENGTH);
  const want = checksum(unchecked);
  if (!want.every((b, i) => b === check[i])) {
    throw damaged('its checksum does not match its content');
  }
  const idBytes = body.subarray(1, 1 + idLen);
  if (!idBytes.every((b) => b >= 0x21 && b <= 0x7e)) {
    throw damaged('its batch id is not printable ASCII');
  }
  const gpk = body.slice(1 + idLen, 1 + idLen + GPK_LENGTH);
  checkGpkShape(gpk, 'damaged');
  return { batchId: new TextDecoder().decode(idBytes), gpk };
}

/** Prefix of a per-device label's text: the device id follows as 64 upper-case hex digits. */
export const DEVICE_TEXT_PREFIX = 'ZTPD1:';

/** The text of a per-device label's QR code (alphanumeric mode: upper-case hex only). */
export function encodeDevicePayload(deviceId: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(deviceId)) {
    throw new LabelPayloadError(
      'invalid-input',
      `device id must be 64 hex digits (32 bytes), got ${JSON.stringify(deviceId.slice(0, 70))}`,
    );
  }
  return DEVICE_TEXT_PREFIX + deviceId.toUpperCase();
}

/** Reads a per-device label's text back to the device id (lower-case hex). */
export function parseDevicePayload(text: string): { deviceId: string } {
  const t = text.trim();
  if (!t.startsWith(DEVICE_TEXT_PREFIX)) {
    throw new LabelPayloadError(
      'foreign',
      `not a ZTP device label: the payload does not start with "${DEVICE_TEXT_PREFIX}" (it starts ${describeStart(t)})`,
    );
  }
  const hex = t.slice(DEVICE_TEXT_PREFIX.length);
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw damaged(`its device id is not 64 upper-case hex digits`);
  }
  return { deviceId: hex.toLowerCase() };
}
