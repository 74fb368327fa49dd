// Electron's main entry. The main process runs the TypeScript sources through tsx, exactly as
// bin/ztp does, so the app, the CLI and the tests run the same engine code (and the crypto
// worker pool finds its worker the same way).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
