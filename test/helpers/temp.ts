import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const madeDirs = new Set<string>();

/**
 * A short temporary folder (unix socket paths are limited to 107 bytes), removed after the
 * test file's last test (test/setup.ts).
 */
export function tempDir(prefix = 'ztp-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.add(dir);
  return dir;
}

/** Removes every folder tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
  madeDirs.clear();
}
