// The engine's TPM operations on swtpm: what it takes from the TPM is checked, not trusted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/engine/profiles.ts';
import { TpmLayerOps, openTpmOps } from '../../src/engine/tpm-adapter.ts';
import type { Simulator } from '../../src/sim/simulator.ts';
import { objectName } from '../../src/tpm/crypto.ts';
import { newFixture } from '../helpers/workstation.ts';

const XTT = PROFILES['xtt-platform']!;
let sim: Simulator;

beforeAll(async () => {
  sim = await newFixture('unique');
});
afterAll(async () => {
  await sim.stopAll();
});

describe('EK binding', () => {
  it('binds the new key to the EK the device was identified by, and to no other key', async () => {
    const [a, b] = await sim.startMany(2);
    const opsA = await openTpmOps(a!.name);
    const opsB = await TpmLayerOps.open(b!.name);
    try {
      const idA = await opsA.identify();
      const idB = await opsB.identify();
      expect(idA.deviceId).not.toBe(idB.deviceId);
      const key = await opsB.createEcdaaKey(XTT);
      // The key's name is computed from its public area (and agrees with the TPM's).
      const pub = (await opsB.tpm.ReadPublic(XTT.keyHandle)).outPublic;
      expect(Buffer.from(key.name)).toEqual(Buffer.from(objectName(pub)));

      const own = await opsB.ekBinding(XTT.keyHandle, key.name, idB.ek);
      expect(own).toMatchObject({ ok: true });
      // B's EK handle, but the identity (and certificate) of another chip: refused, not bound.
      const foreign = await opsB.ekBinding(XTT.keyHandle, key.name, {
        ...idA.ek,
        handle: idB.ek.handle,
        template: idB.ek.template,
      });
      expect(foreign.ok).toBe(false);
      expect(foreign.detail).toMatch(/not the EK the device was identified by/);
    } finally {
      await opsA.close();
      await opsB.close();
    }
  });
});
