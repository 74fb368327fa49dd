import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RENDERER_DIST = path.join(ROOT, 'dist', 'renderer');
export const WEB_BRIDGE = path.join(ROOT, 'dist', 'web-bridge', 'web-bridge.js');

/** Every file whose change needs a new build. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(path.join(ROOT, 'src', 'renderer'));
  walk(path.join(ROOT, 'src', 'main', 'preload'));
  for (const f of [
    'src/main/ipc-contract.ts',
    'src/engine/events.ts',
    'vite.config.ts',
    'vite.preload.config.ts',
    'package-lock.json',
  ]) {
    out.push(path.join(ROOT, f));
  }
  return out.sort();
}

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of sources()) h.update(f).update(readFileSync(f));
  return h.digest('hex');
}

async function waitForLock(lock: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than 5 minutes belongs to a build that died.
      if (Date.now() - statSync(lock).mtimeMs > 300_000)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Builds the renderer and the web bridge with Vite, once per source change: the stamp holds a
 * hash of every input, and a lock folder keeps parallel test files from building at once.
 */
export async function ensureBuilt(): Promise<void> {
  mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
  const lock = path.join(ROOT, 'dist', '.e2e-build.lock');
  const stamp = path.join(ROOT, 'dist', '.e2e-build.stamp');
  await waitForLock(lock);
  try {
    const want = sourceHash();
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(WEB_BRIDGE)) return;
    const { build } = await import('vite');
    await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'error' });
    process.env.ZTP_BRIDGE = 'web-bridge';
    try {
      await build({ configFile: path.join(ROOT, 'vite.preload.config.ts'), logLevel: 'error' });
    } finally {
      delete process.env.ZTP_BRIDGE;
    }
    writeFileSync(stamp, want);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
