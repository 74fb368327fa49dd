import { mkdirSync } from 'node:fs';
import { Simulator, type SwtpmInstance } from '../../sim/simulator.ts';
import type { SimulatedTpms } from './fixture.ts';

/**
 * The simulated fixture: swtpm instances (src/sim), each manufactured with its own EKs and EK
 * certificates from a local CA in `dir`, so every slot holds a distinct TPM as on a real
 * fixture. They run as children of this process and die with it.
 */
export class SimulatedFixture implements SimulatedTpms {
  #sim: Promise<Simulator> | undefined;

  constructor(readonly dir: string) {}

  #simulator(): Promise<Simulator> {
    mkdirSync(this.dir, { recursive: true });
    this.#sim ??= Simulator.create(this.dir, { identity: 'unique' });
    return this.#sim;
  }

  /** The running instances, slot order. */
  async instances(): Promise<SwtpmInstance[]> {
    return (await this.#simulator()).instances;
  }

  /** The local CA certificate the simulated EK certificates chain to (the trust store's). */
  async caCertPath(): Promise<string> {
    return (await this.#simulator()).caCertPath;
  }

  async ensure(count: number): Promise<string[]> {
    const sim = await this.#simulator();
    while (sim.instances.length < count) await sim.startFresh();
    return sim.instances.slice(0, count).map((i) => i.name);
  }

  async close(): Promise<void> {
    if (this.#sim) await (await this.#sim).stopAll();
  }
}
