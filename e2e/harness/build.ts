import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  watch,
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

/** A lock older than this belongs to a build that died. */
const STALE_LOCK_MS = 300_000;

/**
 * Resolves when `lock` is removed (inotify on its folder), or when it turns stale: the
 * holder's build ends with an event, so no one polls.
 */
function lockReleased(lock: string, staleInMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      watcher.close();
      clearTimeout(stale);
      resolve();
    };
    const watcher = watch(path.dirname(lock), (_event, name) => {
      if (name === path.basename(lock) && !existsSync(lock)) done();
    });
    const stale = setTimeout(done, Math.max(0, staleInMs));
    // It may have gone between the failed mkdir and the watch.
    if (!existsSync(lock)) done();
  });
}

async function waitForLock(lock: string): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let age: number;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released just now
    }
    if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    else await lockReleased(lock, STALE_LOCK_MS - age);
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
