// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) in one
// process, one after the other. Each prints its own side-by-side table with ratios.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  console.error(`bench: nothing matches ${wanted.join(' ')}`);
  process.exitCode = 2;
}
for (const f of files) {
  console.log(`\n### ${f.replace('.bench.ts', '')}`);
  await import(new URL(f, import.meta.url).href);
}
