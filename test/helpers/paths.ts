import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository's root folder. */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The shared test vectors, read in place beside the checkout (never copied into the repo). */
export const VECTORS_DIR = path.resolve(REPO_ROOT, '../shared/vectors');

/** The command-line tool as a user runs it. */
export const ZTP_BIN = path.join(REPO_ROOT, 'bin/ztp');
