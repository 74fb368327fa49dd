// No test may touch the real data folder of whoever runs the suite: every process the tests
// start (bin/ztp included) inherits a throw-away $ZTP_DATA_DIR unless the test names its own.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ztp-test-default-data-'));
  process.env.ZTP_DATA_DIR = path.join(dir, 'data');
  return () => rmSync(dir, { recursive: true, force: true });
}
