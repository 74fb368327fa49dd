// The engine's TPM operations on swtpm: what it takes from the TPM is checked, not trusted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { PROFILES } from '../../src/engine/profiles.ts';
import type { TpmIdentity, TpmOps } from '../../src/engine/tpm-ops.ts';
import { TpmLayerOps, openTpmOps } from '../../src/engine/tpm-adapter.ts';
import type { Simulator } from '../../src/sim/simulator.ts';
import { objectName } from '../../src/tpm/crypto.ts';
import {
  newBatch,
  newFixture,
  newProvisioner,
  newWorkstation,
  trustFixture,
} from '../helpers/workstation.ts';

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

describe('TPMs that cannot be provisioned for XTT', () => {
  // Debian's libtpms cannot switch algorithms off, so these are real swtpm TPMs whose
  // capability report says what such chips report; everything else is the real TPM.
  const reporting = (ops: TpmOps, report: Partial<TpmIdentity>): TpmOps =>
    new Proxy(ops, {
      get(target, prop) {
        if (prop === 'identify') return async () => ({ ...(await target.identify()), ...report });
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });

  it.each([
    [{ ecdaa: false }, /does not support ECDAA signing/, /cannot be provisioned for XTT/],
    [{ bnP256: false }, /does not support the BN_P256 curve/, /cannot be provisioned for XTT/],
    [{ platformAuthEmpty: false }, /Platform authorization is not available/, /'owner' layout/],
    // A chip whose NV buffer cannot take the 258-byte GPK in one NV_Read, as the client reads it.
    [{ nvBufferMax: 256 }, /gpk \(258 bytes\) does not fit this TPM's NV buffer/, /shorter/],
  ])('%o is refused at identify and left untouched', async (report, message, action) => {
    const pool = new CryptoPool(1);
    const ws = await newWorkstation();
    const [t] = await sim.startMany(1);
    try {
      trustFixture(ws, sim);
      const batch = await newBatch(ws, pool);
      const summary = await newProvisioner(ws, pool, batch.id, {
        openTpm: async (n) => reporting(await openTpmOps(n), report),
      }).run([t!.name]);
      expect(summary.provisioned).toBe(0);
      expect(summary.failed).toBe(1);
      const failure = summary.devices[0]!.failure!;
      expect(failure.step).toBe('identify');
      expect(failure.message).toMatch(message);
      expect(failure.action).toMatch(action);
      const ops = await openTpmOps(t!.name);
      expect(await ops.readPersistentKey(XTT.keyHandle)).toBeUndefined();
      expect(await ops.nvPublic(XTT.nv.gpk)).toBeUndefined();
      await ops.close();
    } finally {
      await t!.stop();
      ws.close();
      await pool.close();
    }
  });
});
