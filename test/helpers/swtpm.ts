/**
 * Simulated TPMs for tests: each test file owns its swtpm instances (they die with the test
 * process, even when it crashes) in its own temporary folder.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { Simulator, type SimulatorOptions, type SwtpmInstance } from '../../src/sim/simulator.ts';
import type { Tpm } from '../../src/tpm/tpm.ts';
import { tempDir } from './temp.ts';

export interface SwtpmFixture {
  sim: Simulator;
  instances: SwtpmInstance[];
  /** An open Tpm per instance (closed after the file's tests). */
  tpms: Tpm[];
}

export { tempDir };

/**
 * Starts `count` swtpm instances before the file's tests and stops them after. Template
 * identity by default (fast; every instance has the same EKs).
 */
export function useSwtpm(
  count = 1,
  options: SimulatorOptions = { identity: 'template' },
): SwtpmFixture {
  const fixture = { instances: [], tpms: [] } as unknown as SwtpmFixture;
  let dir = '';
  beforeAll(async () => {
    dir = tempDir();
    fixture.sim = await Simulator.create(dir, options);
    fixture.instances.push(...(await fixture.sim.startMany(count)));
    for (const i of fixture.instances) fixture.tpms.push(await i.openTpm());
  }, 60_000);
  afterAll(async () => {
    await Promise.all(fixture.tpms.map((t) => t.close().catch(() => undefined)));
    await fixture.sim?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}
