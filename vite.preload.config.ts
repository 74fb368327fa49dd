import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The bundles generated from the IPC contract: `preload` (Electron's sandboxed preload, one
 * CommonJS file that requires only electron) and `web-bridge` (the same window API for the
 * e2e harness in plain Chromium). Choose with ZTP_BRIDGE=preload|web-bridge.
 */
const which = process.env.ZTP_BRIDGE === 'web-bridge' ? 'web-bridge' : 'preload';

export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL(`./dist/${which}`, import.meta.url)),
    emptyOutDir: true,
    target: 'chrome140',
    minify: false,
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL(`./src/main/preload/${which}.ts`, import.meta.url)),
      formats: [which === 'preload' ? 'cjs' : 'iife'],
      name: 'ztpBridge',
      fileName: () => (which === 'preload' ? 'preload.cjs' : 'web-bridge.js'),
    },
    rollupOptions: { external: ['electron'] },
  },
});
