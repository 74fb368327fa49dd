import type { TpmOps } from '../../engine/tpm-ops.ts';
import type { SettingsView, SlotView } from '../ipc-contract.ts';
import type { TpmFixture } from './app-service.ts';

/** Software TPMs for the simulated fixture (src/sim), started on demand and stopped on close. */
export interface SimulatedTpms {
  /** Makes sure `count` simulated TPMs run; returns their TPM names, one per slot. */
  ensure(count: number): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The fixture as the settings describe it: every configured endpoint is a slot (a Linux
 * device:/dev/tpmrmN, swtpm:tcp://HOST:PORT or swtpm:unix:/PATH), followed by the
 * simulated slots. Opening a TPM is the TPM layer's job (`open`); this class only decides
 * which TPMs are in which slot.
 */
export class SettingsFixture implements TpmFixture {
  constructor(
    private readonly open_: (tpmName: string) => Promise<TpmOps>,
    private readonly simulated?: SimulatedTpms,
  ) {}

  async slots(settings: SettingsView): Promise<SlotView[]> {
    const slots: SlotView[] = settings.tpmEndpoints.map((endpoint, i) => ({
      slot: String(i + 1),
      tpmName: endpoint,
      endpoint,
    }));
    if (settings.simulatedSlots > 0) {
      if (!this.simulated) {
        throw new Error('This build has no simulated fixture: set the simulated slots to 0.');
      }
      const names = await this.simulated.ensure(settings.simulatedSlots);
      names.forEach((name, i) =>
        slots.push({
          slot: String(slots.length + 1),
          tpmName: name,
          endpoint: `simulated TPM ${i + 1}`,
        }),
      );
    }
    return slots;
  }

  open(tpmName: string): Promise<TpmOps> {
    return this.open_(tpmName);
  }

  async close(): Promise<void> {
    await this.simulated?.close();
  }
}
