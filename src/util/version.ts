import { readFileSync } from 'node:fs';

/** The software version recorded in manifests and shown by `ztp --version`. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
