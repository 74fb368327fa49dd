// Electron's main entry. The main process runs the TypeScript sources through tsx, exactly as
// bin/ztp does, so the app, the CLI and the tests run the same engine code (and the crypto
// worker pool finds its worker the same way).
//
// tsx transforms with esbuild, which runs its native binary as a child process; a packaged
// app cannot spawn from inside app.asar, so electron-builder.yml unpacks esbuild and this
// points it at the unpacked copy.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

if (!process.env.ESBUILD_BINARY_PATH) {
  const require = createRequire(import.meta.url);
  try {
    const pkg = `@esbuild/${process.platform}-${process.arch}`;
    const bin = process.platform === 'win32' ? 'esbuild.exe' : 'bin/esbuild';
    const inAsar = require.resolve(`${pkg}/package.json`).replace(/package\.json$/, bin);
    const unpacked = inAsar.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
    if (unpacked !== inAsar && existsSync(unpacked)) process.env.ESBUILD_BINARY_PATH = unpacked;
  } catch {
    // Not packaged, or no platform package: esbuild finds its binary by itself.
  }
}

const { register } = await import('tsx/esm/api');
register();
await import('./main.ts');
