/** The app's own origin: the renderer is served from app://ztp/ and nothing else is trusted. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://ztp`;

/**
 * No remote anything: scripts and styles only from the app itself, images from the app and
 * data URLs (label previews, camera frames drawn by html5-qrcode), media from the camera.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'ztp';
  } catch {
    return false;
  }
}
