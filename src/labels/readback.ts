// Read-back: decodes a photo or scan of a label (PNG or JPEG) with jsQR, or takes what a
// camera or scanner read, and says whether it belongs to a batch, and if not, what it is. The
// operator checks the first printed label before the box is sealed.
import jsQRModule from 'jsqr';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DEVICE_TEXT_PREFIX, LabelPayloadError, parseLabelPayload } from './payload.ts';
import { gpkFingerprint, shortBatchId } from './layout.ts';

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

// jsqr is a CommonJS bundle whose typings declare an ES default export: take whichever the
// module loader hands over.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ??
  jsQRModule) as typeof jsQRModule.default;

/** Photos larger than this (megapixels) are refused rather than exhausting memory. */
const MAX_MEGAPIXELS = 64;

/** Decodes a PNG or JPEG file's bytes into RGBA pixels; other formats get a clear error. */
export function decodeImage(bytes: Uint8Array): RgbaImage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    const png = PNG.sync.read(b);
    return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    const img = jpeg.decode(b, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_MEGAPIXELS,
      maxMemoryUsageInMB: 1024,
    });
    return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
  }
  throw new Error(
    `the image is neither PNG nor JPEG (it starts ${b.subarray(0, 4).toString('hex')}); save the photo or scan as PNG or JPEG`,
  );
}

/** Box-filter downscale by an integer factor: phone photos are far larger than jsQR needs. */
function shrink(img: RgbaImage, factor: number): RgbaImage {
  const width = Math.floor(img.width / factor);
  const height = Math.floor(img.height / factor);
  const data = new Uint8ClampedArray(width * height * 4);
  const n = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = ((y * factor + dy) * img.width + x * factor) * 4;
        for (let dx = 0; dx < factor; dx++, i += 4) {
          r += img.data[i]!;
          g += img.data[i + 1]!;
          b += img.data[i + 2]!;
        }
      }
      const o = (y * width + x) * 4;
      data[o] = r / n;
      data[o + 1] = g / n;
      data[o + 2] = b / n;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/**
 * Finds and decodes the QR code in an image; returns its raw bytes, or undefined when none is
 * found. Tries a few scales, since jsQR finds a code in a 12-megapixel photo more reliably
 * (and far faster) after shrinking it.
 */
export function decodeQr(image: RgbaImage): Uint8Array | undefined {
  const longest = Math.max(image.width, image.height);
  // Start near 1000 pixels, where jsQR is both fast and reliable, then try the other scales.
  const factors = [1, 2, 3, 4, 6, 8]
    .filter((f) => f === 1 || longest / f >= 400)
    .sort((a, b) => Math.abs(longest / a - 1000) - Math.abs(longest / b - 1000));
  for (const f of factors) {
    const img = f === 1 ? image : shrink(image, f);
    const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
    if (code) return new Uint8Array(code.binaryData);
  }
  return undefined;
}

/** What a read label turned out to be; each kind gets its own reason. */
export type LabelCheckKind =
  /** This batch's id and group key. */
  | 'match'
  /** The label of another batch. */
  | 'other-batch'
  /** A batch id and a group key that do not belong together: counterfeit or damaged. */
  | 'wrong-key'
  /** A per-device label (ZTPD1:), not the batch label. */
  | 'device-label'
  /** A QR code that is not a ZTP label at all. */
  | 'foreign'
  /** A ZTP label of a payload version this software does not read. */
  | 'unsupported'
  /** A ZTP label whose payload does not check out. */
  | 'damaged'
  /** An image without a QR code that could be found. */
  | 'no-qr'
  /** A file that is not a PNG or JPEG image that can be read. */
  | 'unreadable-image';

export interface LabelCheckResult {
  match: boolean;
  kind: LabelCheckKind;
  /** Why the label does not match, in words an operator can act on. */
  reason?: string;
  /** What the label carries, when its payload could be read. */
  decoded?: { batchId: string; gpk: Uint8Array };
  /** The batch the label belongs to, when the look-up knows it and it is another batch. */
  otherBatch?: { id: string; name: string };
}

/** The batch a label should belong to. */
export interface ExpectedLabelBatch {
  batchId: string;
  gpk: Uint8Array;
  /** Named in the reasons when given. */
  batchName?: string;
}

/** A batch the look-up knows (the workstation's store). */
export interface KnownBatch {
  id: string;
  name: string;
  gpk: Uint8Array;
}

export interface LabelCheckOptions {
  /** Finds another batch by its exact id, to name it and to check the key its label carries. */
  findBatch?: (batchId: string) => KnownBatch | undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** "Lot 7 (3b2f6a0e)" when the name is known (the short id is what the label shows), else the id. */
function batchLabel(batchId: string, name: string | undefined): string {
  return name ? `${name} (${shortBatchId(batchId)})` : batchId;
}

const DO_NOT_SHIP =
  'it is counterfeit or damaged: do not ship it — take it off, reprint the label and report the mismatch';

/**
 * Says whether a label payload (the text or bytes a QR decoder returned: a camera, a scanner,
 * jsQR) carries exactly the expected batch's id and group key, and if not, what it is. The
 * read-back of `ztp label check` and of the desktop app both answer through this function.
 */
export function checkLabelPayload(
  read: string | Uint8Array,
  expected: ExpectedLabelBatch,
  options: LabelCheckOptions = {},
): LabelCheckResult {
  const asText = typeof read === 'string' ? read : new TextDecoder('latin1').decode(read);
  if (asText.trimStart().startsWith(DEVICE_TEXT_PREFIX)) {
    return {
      match: false,
      kind: 'device-label',
      reason:
        'this is a per-device label, not the batch label; scan the label with the batch QR code',
    };
  }
  let decoded: { batchId: string; gpk: Uint8Array };
  try {
    decoded = parseLabelPayload(read);
  } catch (e) {
    if (!(e instanceof LabelPayloadError)) throw e;
    if (e.kind === 'foreign') {
      return {
        match: false,
        kind: 'foreign',
        reason: `this QR code is not a ZTP label (${e.message}); scan the QR code of the batch label`,
      };
    }
    return {
      match: false,
      kind: e.kind === 'unsupported' ? 'unsupported' : 'damaged',
      reason: e.message,
    };
  }
  const expectedName = batchLabel(expected.batchId, expected.batchName);
  const keys = (carried: Uint8Array, wanted: Uint8Array) =>
    `fingerprint ${gpkFingerprint(carried)}, expected ${gpkFingerprint(wanted)}`;
  if (decoded.batchId === expected.batchId) {
    if (sameBytes(decoded.gpk, expected.gpk)) return { match: true, kind: 'match', decoded };
    return {
      match: false,
      kind: 'wrong-key',
      reason: `the label names batch ${expectedName} but carries a different group key (${keys(decoded.gpk, expected.gpk)}); ${DO_NOT_SHIP}`,
      decoded,
    };
  }
  const known = options.findBatch?.(decoded.batchId);
  if (known && !sameBytes(known.gpk, decoded.gpk)) {
    return {
      match: false,
      kind: 'wrong-key',
      reason: `the label names batch ${batchLabel(known.id, known.name)}, not this batch ${expectedName}, and carries a group key that is not ${known.name}'s (${keys(decoded.gpk, known.gpk)}); ${DO_NOT_SHIP}`,
      decoded,
    };
  }
  return {
    match: false,
    kind: 'other-batch',
    reason: `the label belongs to batch ${batchLabel(decoded.batchId, known?.name)}, not to batch ${expectedName}; take it off this box`,
    decoded,
    ...(known ? { otherBatch: { id: known.id, name: known.name } } : {}),
  };
}

/** Decodes a label photo or scan and checks that it carries exactly this batch's id and GPK. */
export function checkLabelImage(
  imageBytes: Uint8Array,
  expected: ExpectedLabelBatch,
  options: LabelCheckOptions = {},
): LabelCheckResult {
  let image: RgbaImage;
  try {
    image = decodeImage(imageBytes);
  } catch (e) {
    return {
      match: false,
      kind: 'unreadable-image',
      reason: `cannot read the image: ${(e as Error).message}`,
    };
  }
  const raw = decodeQr(image);
  if (!raw) {
    return {
      match: false,
      kind: 'no-qr',
      reason:
        'no QR code found in the image; photograph the label flat, in focus, with the whole code in view and no glare',
    };
  }
  return checkLabelPayload(raw, expected, options);
}
