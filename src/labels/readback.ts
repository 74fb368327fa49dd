// Read-back: decodes a photo or scan of a label (PNG or JPEG) with jsQR and says whether it
// belongs to a batch. The operator checks the first printed label before the box is sealed.
import jsQRModule from 'jsqr';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DEVICE_TEXT_PREFIX, LabelPayloadError, parseLabelPayload } from './payload.ts';
import { gpkFingerprint } from './layout.ts';

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

export interface LabelCheckResult {
  match: boolean;
  /** Why the label does not match, in words an operator can act on. */
  reason?: string;
  /** What the label carries, when its payload could be read. */
  decoded?: { batchId: string; gpk: Uint8Array };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Decodes a label photo or scan and checks that it carries exactly this batch's id and GPK. */
export function checkLabelImage(
  imageBytes: Uint8Array,
  expected: { batchId: string; gpk: Uint8Array },
): LabelCheckResult {
  let image: RgbaImage;
  try {
    image = decodeImage(imageBytes);
  } catch (e) {
    return { match: false, reason: `cannot read the image: ${(e as Error).message}` };
  }
  const raw = decodeQr(image);
  if (!raw) {
    return {
      match: false,
      reason:
        'no QR code found in the image; photograph the label flat, in focus, with the whole code in view and no glare',
    };
  }
  if (String.fromCharCode(...raw.subarray(0, DEVICE_TEXT_PREFIX.length)) === DEVICE_TEXT_PREFIX) {
    return {
      match: false,
      reason:
        'this is a per-device label, not the batch label; scan the label with the batch QR code',
    };
  }
  let decoded: { batchId: string; gpk: Uint8Array };
  try {
    decoded = parseLabelPayload(raw);
  } catch (e) {
    if (e instanceof LabelPayloadError) return { match: false, reason: e.message };
    throw e;
  }
  if (decoded.batchId !== expected.batchId) {
    return {
      match: false,
      reason: `the label belongs to batch ${decoded.batchId}, not to batch ${expected.batchId}; take it off this box`,
      decoded,
    };
  }
  if (!sameBytes(decoded.gpk, expected.gpk)) {
    return {
      match: false,
      reason: `the label names batch ${decoded.batchId} but carries a different group key (fingerprint ${gpkFingerprint(decoded.gpk)}, expected ${gpkFingerprint(expected.gpk)}); do not ship it — reprint the label and report the mismatch`,
      decoded,
    };
  }
  return { match: true, decoded };
}
