import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { verifyCredentialBytes, verifySignatureBytes } from '../../src/crypto/ecdaa.ts';
import type { ProvisionEvent } from '../../src/engine/events.ts';
import { PROFILES } from '../../src/engine/profiles.ts';
import { TPM_RH } from '../../src/tpm/constants.ts';
import { TpmError } from '../../src/tpm/errors.ts';
import { storagePrimaryEcc } from '../../src/tpm/templates.ts';
import type { ProvisionOptions } from '../../src/engine/provision.ts';
import { TpmLayerOps, openTpmOps } from '../../src/engine/tpm-adapter.ts';
import type { Workstation } from '../../src/engine/workstation.ts';
import type { Simulator, SwtpmInstance } from '../../src/sim/simulator.ts';
import {
  newBatch,
  newFixture,
  newProvisioner,
  newWorkstation,
  trustFixture,
} from '../helpers/workstation.ts';

const XTT = PROFILES['xtt-platform']!;
let pool: CryptoPool;
let sim: Simulator;

beforeAll(async () => {
  pool = new CryptoPool(2);
  sim = await newFixture('unique');
});
afterAll(async () => {
  await sim.stopAll();
  await pool.close();
});

/** tpm2-tools' TCTI string for a simulated TPM: an independent client reads what we wrote. */
function tcti(t: SwtpmInstance): string {
  return `swtpm:path=${t.socketPath}`;
}

function nvReadWithTpm2Tools(t: SwtpmInstance, index: number): Buffer {
  return execFileSync(
    'tpm2_nvread',
    ['-T', tcti(t), '-C', `0x${index.toString(16)}`, `0x${index.toString(16)}`],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
}

const provisioner = (ws: Workstation, batchId: string, extra: Partial<ProvisionOptions> = {}) =>
  newProvisioner(ws, pool, batchId, extra);

describe('provisioning on swtpm', () => {
  it('provisions two TPMs in parallel; NV holds what XTT reads, and it verifies', async () => {
    const ws = await newWorkstation();
    const tpms = await sim.startMany(2);
    trustFixture(ws, sim);
    const batch = await newBatch(ws, pool, { basename: new TextEncoder().encode('xtt-basename') });
    const events: ProvisionEvent[] = [];
    const p = provisioner(ws, batch.id);
    p.on('event', (e) => events.push(e));
    const summary = await p.run(tpms.map((t) => t.name));
    expect(summary.failed, JSON.stringify(summary.devices)).toBe(0);
    expect(summary.provisioned).toBe(2);

    const rows = ws.store.listDevices(batch.id, 'provisioned');
    expect(new Set(rows.map((r) => r.deviceId)).size).toBe(2);
    for (const [i, t] of tpms.entries()) {
      const row = rows.find((r) => r.tpmName === t.name)!;
      // What an independent client reads back is byte for byte what the batch issued.
      expect(nvReadWithTpm2Tools(t, XTT.nv.gpk).equals(Buffer.from(batch.gpk))).toBe(true);
      expect(nvReadWithTpm2Tools(t, XTT.nv.credential).equals(Buffer.from(row.credential!))).toBe(
        true,
      );
      expect(nvReadWithTpm2Tools(t, XTT.nv.credentialSignature)).toEqual(
        Buffer.from(row.credentialSignature!),
      );
      expect(nvReadWithTpm2Tools(t, XTT.nv.basename).toString()).toBe('xtt-basename');
      expect(
        verifyCredentialBytes(row.credential!, row.credentialSignature!, row.memberPk!, batch.gpk),
      ).toBe(true);
      expect(
        verifySignatureBytes(
          row.selftestSignature!,
          row.selftestMessage!,
          batch.gpk,
          batch.basename,
        ),
      ).toBe(true);
      expect(JSON.parse(row.ekBinding!)).toMatchObject({ ok: true });
      const steps = ws.store
        .journal(row.rowId)
        .filter((j) => j.phase === 'end')
        .map((j) => j.step);
      expect(steps, `slot ${i}`).toEqual([
        'identify',
        'ek-policy',
        'key',
        'ek-binding',
        'join',
        'nv',
        'selftest',
      ]);
    }
    const slotEvents = events.filter((e) => e.type === 'slot' && e.state === 'provisioned');
    expect(slotEvents).toHaveLength(2);
    // The station's tiles name the TPM: maker and firmware as identify read them.
    for (const e of slotEvents) {
      expect(e).toMatchObject({ vendor: 'IBM', firmware: expect.stringMatching(/^\d+\./) });
    }

    // The same TPMs again: counted once, skipped with a reason.
    const again = await provisioner(ws, batch.id).run(tpms.map((t) => t.name));
    expect(again).toMatchObject({ provisioned: 0, failed: 0, skipped: 2 });
    // Re-provisioning is a supervisor's decision.
    await expect(
      provisioner(ws, batch.id, { reprovision: true }).run([tpms[0]!.name]),
    ).rejects.toThrow(/needs the role supervisor/);
    expect(ws.store.verifyAuditChain().ok).toBe(true);
    await Promise.all(tpms.map((t) => t.stop()));
    ws.close();
  });

  it('refuses an EK certificate from an unknown CA under "require" and leaves the TPM untouched', async () => {
    const ws = await newWorkstation();
    const [t] = await sim.startMany(1);
    const batch = await newBatch(ws, pool, { ekPolicy: 'require' });
    const summary = await provisioner(ws, batch.id, { trustStore: [] }).run([t!.name]);
    expect(summary.failed).toBe(1);
    expect(summary.devices[0]!.failure).toMatchObject({ step: 'ek-policy' });
    expect(summary.devices[0]!.failure!.message).toMatch(/not in the trust store/);
    const ops = await openTpmOps(t!.name);
    expect(await ops.readPersistentKey(XTT.keyHandle)).toBeUndefined();
    expect(await ops.nvPublic(XTT.nv.gpk)).toBeUndefined();
    await ops.close();
    // "warn" records the doubt and goes on.
    const warnBatch = await newBatch(ws, pool, { ekPolicy: 'warn' });
    const ok = await provisioner(ws, warnBatch.id, { trustStore: [] }).run([t!.name]);
    expect(ok.provisioned).toBe(1);
    const row = ws.store.listDevices(warnBatch.id, 'provisioned')[0]!;
    const ekEnd = ws.store
      .journal(row.rowId)
      .find((j) => j.step === 'ek-policy' && j.phase === 'end')!;
    expect(JSON.parse(ekEnd.data)).toMatchObject({ policy: 'warn', ok: false });
    await t!.stop();
    ws.close();
  });

  it('reports objects left at our handles by another tool, keeps them, and overwrites only with --force', async () => {
    const ws = await newWorkstation();
    const [t] = await sim.startMany(1);
    trustFixture(ws, sim);
    execFileSync('tpm2_nvdefine', [
      '-T',
      tcti(t!),
      '-C',
      'p',
      '-s',
      '8',
      '-a',
      'ppwrite|authread|platformcreate',
      '0x01410000',
    ]);
    const batch = await newBatch(ws, pool);
    const refused = await provisioner(ws, batch.id).run([t!.name]);
    expect(refused.devices[0]!.failure).toMatchObject({ step: 'key' });
    expect(refused.devices[0]!.failure!.message).toMatch(/NV 0x01410000/);
    const ops = await openTpmOps(t!.name);
    expect((await ops.nvPublic(XTT.nv.gpk))?.size).toBe(8);
    await ops.close();
    await expect(provisioner(ws, batch.id, { force: true }).run([t!.name])).rejects.toThrow(
      /supervisor/,
    );
    const forced = await provisioner(ws, batch.id, { force: true, operator: 'sam' }).run([t!.name]);
    expect(forced.provisioned).toBe(1);
    expect(nvReadWithTpm2Tools(t!, XTT.nv.gpk).length).toBe(258);
    await t!.stop();
    ws.close();
  });

  it('a TPM that vanishes mid-device fails with a plain message, then resumes to one provisioned record', async () => {
    const ws = await newWorkstation();
    const [t] = await sim.startMany(1);
    trustFixture(ws, sim);
    const batch = await newBatch(ws, pool);
    const p = provisioner(ws, batch.id);
    p.on('event', (e) => {
      // Pull the chip while its NV is being written.
      if (e.type === 'slot' && e.step === 'nv' && e.state === 'working')
        process.kill(t!.pid, 'SIGKILL');
    });
    const failed = await p.run([t!.name]);
    expect(failed.failed).toBe(1);
    expect(failed.devices[0]!.failure!.message).toMatch(/stopped answering/);
    expect(failed.devices[0]!.failure!.action).toMatch(/Reseat the TPM.*start the run again/);
    // The endpoint and socket error go to `detail`, not into the plain message.
    expect(failed.devices[0]!.failure!.detail).toContain(t!.name);
    expect(failed.devices[0]!.failure!.message).not.toContain(t!.name);

    // Power comes back: the same TPM, with whatever was written before the cut.
    await t!.restart();
    const resumed = await provisioner(ws, batch.id).run([t!.name]);
    expect(resumed.provisioned).toBe(1);
    const records = ws.store.listDevices(batch.id);
    expect(records.filter((r) => r.status === 'provisioned')).toHaveLength(1);
    expect(records.filter((r) => r.status === 'failed')).toHaveLength(1);
    const row = records.find((r) => r.status === 'provisioned')!;
    expect(nvReadWithTpm2Tools(t!, XTT.nv.credential).equals(Buffer.from(row.credential!))).toBe(
      true,
    );
    await t!.stop();
    ws.close();
  });

  it('flushes what a killed process left loaded in a TPM without a resource manager', async () => {
    const ws = await newWorkstation();
    const [t] = await sim.startMany(1);
    trustFixture(ws, sim);
    const batch = await newBatch(ws, pool);
    // A process that dies holding objects: fill every object slot, then go away without flushing.
    const dead = await TpmLayerOps.open(t!.name);
    let loaded = 0;
    for (; loaded < 16; loaded++) {
      try {
        await dead.tpm.CreatePrimary(TPM_RH.OWNER, storagePrimaryEcc());
      } catch (e) {
        expect((e as TpmError).code).toBe(0x902); // TPM_RC_OBJECT_MEMORY
        break;
      }
    }
    expect(loaded).toBeGreaterThan(0);
    await dead.close();

    const summary = await provisioner(ws, batch.id).run([t!.name]);
    expect(summary.provisioned, JSON.stringify(summary.devices)).toBe(1);
    const row = ws.store.listDevices(batch.id)[0]!;
    const identify = ws.store.journal(row.rowId).find((j) => j.step === 'identify')!;
    expect(JSON.parse(identify.data).flushedHandles).toHaveLength(loaded);
    await t!.stop();
    ws.close();
  });
});
