import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { X509Certificate } from 'node:crypto';
import type { CryptoPool } from '../crypto/pool.ts';
import { CREDENTIAL_BYTES, CREDENTIAL_SIGNATURE_BYTES } from '../crypto/ecdaa.ts';
import { tpmJoin, tpmSign } from '../crypto/tpm-member.ts';
import type { EcdaaTpmSigner } from '../crypto/tpm-signer.ts';
import type { BatchRow, DeviceRow, Store } from '../store/store.ts';
import { openIssuerSecret, requireBatch, BatchStateError } from './batches.ts';
import { checkEkCertificate } from './ek-policy.ts';
import {
  STEPS,
  type DeviceEvent,
  type DeviceFailure,
  type ProvisionEvent,
  type SlotEvent,
  type StepName,
} from './events.ts';
import { explainFailure } from './failures.ts';
import { getProfile, hex32, type LayoutProfile, type NvObject } from './profiles.ts';
import type { TpmIdentity, TpmOps } from './tpm-ops.ts';
import type { Workstation } from './workstation.ts';

export interface ProvisionOptions {
  batchId: string;
  operator: string;
  /** Opens a TPM by name (the TPM layer's adapter; tests and the demo pass the same one). */
  openTpm: (name: string) => Promise<TpmOps>;
  pool: CryptoPool;
  /** Vendor CA certificates for the EK certificate policy. */
  trustStore?: X509Certificate[];
  /** Provision a TPM again even when this workstation already provisioned it. */
  reprovision?: boolean;
  /** Overwrite objects found at our handles that this workstation did not create. */
  force?: boolean;
  /** Only pick up devices left in progress by an interrupted run. */
  resumeOnly?: boolean;
  /** Write-lock the NV indexes after writing them. */
  writeLock?: boolean;
  /** Slot names, parallel to the TPM names; default the index. */
  slotNames?: string[];
}

export interface RunSummary {
  batchId: string;
  provisioned: number;
  failed: number;
  skipped: number;
  elapsedMs: number;
  devices: DeviceEvent[];
}

/**
 * Writes a journal entry (and device fields with it); see provisionSlot for when it commits.
 * The promise settles once the entry is on disk ('begin' and 'error'; at once for 'end').
 */
type JournalFn = (
  step: StepName | 'rollback',
  phase: 'begin' | 'end' | 'error',
  data?: unknown,
  fields?: Parameters<Store['updateDevice']>[1],
) => Promise<void>;

/** Thrown inside a step; carries what the operator sees. */
export class StepError extends Error {
  constructor(
    readonly failure: DeviceFailure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
    this.name = 'StepError';
  }
}

/** One slot's share of a group commit (Provisioner.commitGroup). */
interface GroupWrite {
  writes: (() => void)[];
  entries: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const NV_OBJECTS: NvObject[] = ['gpk', 'credential', 'credentialSignature', 'basename', 'rootCert'];

function equalBytes(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  return !!a && !!b && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * The fault-injection hook for the crash tests: ZTP_FAULT_AFTER_JOURNAL=N makes the process
 * kill itself (SIGKILL, like a power cut) right after its N-th journal write.
 */
let journalWrites = 0;
function maybeCrash(): void {
  const limit = process.env.ZTP_FAULT_AFTER_JOURNAL;
  if (limit !== undefined && ++journalWrites >= Number(limit)) process.kill(process.pid, 'SIGKILL');
}

/**
 * Provisions TPMs into a batch: every slot in parallel, one TPM command at a time per TPM,
 * crypto in the worker pool, every step journaled before and after it runs.
 */
export class Provisioner extends EventEmitter<{ event: [ProvisionEvent] }> {
  #stopping = false;
  readonly #ws: Workstation;
  readonly #opts: ProvisionOptions;
  /** Slots' journal writes waiting for the next group commit. */
  #group: GroupWrite[] = [];

  constructor(ws: Workstation, options: ProvisionOptions) {
    super();
    this.#ws = ws;
    this.#opts = options;
  }

  /** Lets running devices finish, then starts no new one. */
  stop(): void {
    this.#stopping = true;
  }

  /** One round: every TPM named, in parallel. */
  async run(tpmNames: string[]): Promise<RunSummary> {
    const ws = this.#ws;
    const batch = requireBatch(ws, this.#opts.batchId);
    ws.requireRole(this.#opts.operator, 'provision devices', ['operator', 'supervisor']);
    if (this.#opts.force || this.#opts.reprovision) {
      ws.requireRole(this.#opts.operator, 'overwrite or re-provision TPMs', ['supervisor']);
    }
    if (batch.status !== 'open') {
      throw new BatchStateError(`Batch ${batch.name} is ${batch.status}: no device can join it.`);
    }
    const started = performance.now();
    const summary: RunSummary = {
      batchId: batch.id,
      provisioned: 0,
      failed: 0,
      skipped: 0,
      elapsedMs: 0,
      devices: [],
    };
    const emitRun = (state: 'started' | 'finished') =>
      this.emit('event', {
        type: 'run',
        state,
        batchId: batch.id,
        provisioned: summary.provisioned,
        failed: summary.failed,
        skipped: summary.skipped,
        elapsedMs: performance.now() - started,
      });
    emitRun('started');
    await Promise.all(
      tpmNames.map(async (tpmName, i) => {
        const slot = this.#opts.slotNames?.[i] ?? String(i);
        if (this.#stopping) {
          summary.skipped++;
          this.emitSlot({ slot, tpmName, state: 'skipped', message: 'stopped by the operator' });
          return;
        }
        const result = await this.provisionSlot(batch, slot, tpmName);
        if (result === 'skipped') summary.skipped++;
        else {
          summary.devices.push(result);
          if (result.status === 'provisioned') summary.provisioned++;
          else summary.failed++;
        }
      }),
    );
    summary.elapsedMs = performance.now() - started;
    emitRun('finished');
    return summary;
  }

  /**
   * Commits a slot's writes together with those every other slot hands over in the same turn
   * of the event loop: one transaction, so one fsync, for all of them (a group commit). Each
   * slot awaits it before its next TPM command, so its writes are still on disk first.
   */
  private commitGroup(writes: (() => void)[], entries: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#group.length === 0) setImmediate(() => this.commitNow());
      this.#group.push({ writes, entries, resolve, reject });
    });
  }

  private commitNow(): void {
    const store = this.#ws.store;
    const group = this.#group.splice(0);
    const failed = new Map<GroupWrite, unknown>();
    try {
      store.transaction(() => {
        for (const g of group) {
          // A savepoint per slot: a slot whose write fails fails alone, as with its own commit.
          try {
            store.transaction(() => {
              for (const write of g.writes) write();
            });
          } catch (e) {
            failed.set(g, e);
          }
        }
        // The crash tests' power cut lands before the commit: the whole group is lost,
        // which no slot has acted on yet (each waits for the commit).
        for (const g of group) {
          if (!failed.has(g)) for (let i = 0; i < g.entries; i++) maybeCrash();
        }
      });
    } catch (e) {
      for (const g of group) g.reject(e);
      return;
    }
    for (const g of group) {
      if (failed.has(g)) g.reject(failed.get(g));
      else g.resolve();
    }
  }

  private emitSlot(e: Omit<SlotEvent, 'type'>): void {
    this.emit('event', { type: 'slot', ...e });
  }

  /** One TPM, from connection to a provisioned or failed record. */
  private async provisionSlot(
    batch: BatchRow,
    slot: string,
    tpmName: string,
  ): Promise<DeviceEvent | 'skipped'> {
    const store = this.#ws.store;
    const started = performance.now();
    const profile = getProfile(batch.profile);
    let ops: TpmOps | undefined;
    let rowId: number | undefined;
    let deviceId = '';
    let currentStep: StepName = 'identify';
    // Who made the TPM, for the station's tile: known once identify has read it.
    let maker: Pick<SlotEvent, 'vendor' | 'firmware'> = {};
    const progress = (step: StepName, extra: Partial<SlotEvent> = {}) => {
      currentStep = step;
      this.emitSlot({
        slot,
        tpmName,
        state: 'working',
        step,
        stepIndex: STEPS.indexOf(step),
        deviceId: deviceId || undefined,
        ...maker,
        ...extra,
      });
    };
    // Journal writes are durable (synchronous FULL) and each commit costs an fsync. An
    // 'end' and the device fields that go with it wait for the next 'begin' (or 'error', or
    // the final status), which commits them in one transaction, shared with the other slots
    // that commit in the same turn (commitGroup): every write is on disk before the next
    // command that changes the TPM, and the journal costs at most one fsync per step.
    const pending: (() => void)[] = [];
    let pendingEntries = 0;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const writes = pending.splice(0);
      const entries = pendingEntries;
      pendingEntries = 0;
      await this.commitGroup(writes, entries);
    };
    const journal: JournalFn = async (step, phase, data = {}, fields) => {
      if (rowId === undefined) return;
      const row = rowId;
      if (fields) pending.push(() => store.updateDevice(row, fields));
      pending.push(() => store.appendJournal(row, step, phase, data));
      pendingEntries++;
      if (phase !== 'end') await flush();
    };
    const finish = (status: 'provisioned' | 'failed', failure?: DeviceFailure): DeviceEvent => {
      const event: DeviceEvent = {
        type: 'device',
        slot,
        tpmName,
        deviceId,
        batchId: batch.id,
        status,
        failure,
        elapsedMs: performance.now() - started,
        tpmMs: ops?.tpmMs ?? 0,
      };
      this.emitSlot({
        slot,
        tpmName,
        state: status,
        deviceId,
        ...maker,
        failure,
        step: currentStep,
        stepIndex: STEPS.indexOf(currentStep),
      });
      this.emit('event', event);
      return event;
    };

    try {
      progress('identify');
      try {
        ops = await this.#opts.openTpm(tpmName);
      } catch (e) {
        throw new StepError(explainFailure('connect', e), { cause: e });
      }
      // A run killed mid-device leaves its objects loaded in a TPM without a resource manager.
      const leftovers = await ops.flushLeftovers();
      const identity = await ops.identify();
      deviceId = identity.deviceId;
      maker = { vendor: identity.manufacturer, firmware: identity.firmwareVersion };
      progress('identify');
      checkCapable(identity, profile, batch);

      const live = store.liveDevice(deviceId);
      const skip = (message: string): 'skipped' => {
        this.emitSlot({ slot, tpmName, state: 'skipped', deviceId, ...maker, message });
        return 'skipped';
      };
      let resumeFrom: DeviceRow | undefined;
      if (live?.status === 'provisioned') {
        if (!this.#opts.reprovision) {
          const where = live.batchId === batch.id ? 'this batch' : `batch ${live.batchId}`;
          return skip(`already provisioned in ${where}; pass --reprovision to provision it again`);
        }
        store.transaction(() => {
          store.updateDevice(live.rowId, {
            status: 'rolled_back',
            finishedAt: new Date().toISOString(),
          });
          store.audit({
            actor: this.#opts.operator,
            action: 'device.reprovision',
            batchId: live.batchId,
            deviceId,
            details: { previousBatch: live.batchId, newBatch: batch.id },
          });
        });
      } else if (live?.status === 'in_progress') {
        if (live.batchId !== batch.id) {
          return skip(
            `left in progress by an interrupted run of batch ${live.batchId}: resume it with that batch`,
          );
        }
        resumeFrom = live;
      } else if (this.#opts.resumeOnly) {
        return skip('nothing to resume');
      }

      if (resumeFrom) {
        rowId = resumeFrom.rowId;
        store.updateDevice(rowId, { slot, tpmName, identity: JSON.stringify(identity) });
        journal('identify', 'end', {
          resumed: true,
          slot,
          tpmName,
          ...(leftovers.length > 0 ? { flushedHandles: leftovers.map(hex32) } : {}),
        });
        store.audit({
          actor: this.#opts.operator,
          action: 'device.resume',
          batchId: batch.id,
          deviceId,
        });
      } else {
        rowId = store.insertDevice({
          batchId: batch.id,
          deviceId,
          step: 'identify',
          slot,
          tpmName,
          identity: JSON.stringify(identity),
          operator: this.#opts.operator,
        });
        journal('identify', 'end', {
          vendor: identity.manufacturer,
          firmware: identity.firmwareVersion,
          ...(leftovers.length > 0 ? { flushedHandles: leftovers.map(hex32) } : {}),
        });
      }

      await flush();
      const device = store.getDevice(rowId)!;
      const done = completedSteps(store.journal(rowId));
      if (done.has('nv') && device.credential) {
        // Everything was written and compared before the interruption: only the self-test is left.
        await this.selfTest(ops, batch, profile, rowId, progress, journal);
      } else {
        if (resumeFrom && ownsObjects(store.journal(rowId))) {
          await this.rollBackObjects(ops, profile, journal, 'resume');
        }
        await this.runSteps(ops, batch, profile, identity, rowId, progress, journal);
      }
      pending.push(() => {
        store.updateDevice(rowId!, {
          status: 'provisioned',
          step: 'done',
          finishedAt: new Date().toISOString(),
        });
        store.audit({
          actor: this.#opts.operator,
          action: 'device.provisioned',
          batchId: batch.id,
          deviceId,
          details: { slot, tpmName },
        });
      });
      await flush();
      return finish('provisioned');
    } catch (e) {
      const failure = e instanceof StepError ? e.failure : explainFailure(currentStep, e);
      if (rowId !== undefined) {
        try {
          await journal(currentStep, 'error', failure);
        } catch {
          // The store itself failed: the failure below still reaches the operator.
        }
        if (ops && ownsObjects(store.journal(rowId))) {
          await this.rollBackObjects(ops, profile, journal, 'failure').catch(() => undefined);
        }
        store.transaction(() => {
          store.updateDevice(rowId!, {
            status: 'failed',
            step: currentStep,
            failure: JSON.stringify(failure),
            finishedAt: new Date().toISOString(),
          });
          store.audit({
            actor: this.#opts.operator,
            action: 'device.failed',
            batchId: batch.id,
            deviceId,
            details: failure,
          });
        });
      }
      return finish('failed', failure);
    } finally {
      await ops?.close().catch(() => undefined);
    }
  }

  private async runSteps(
    ops: TpmOps,
    batch: BatchRow,
    profile: LayoutProfile,
    identity: TpmIdentity,
    rowId: number,
    progress: (s: StepName) => void,
    journal: JournalFn,
  ): Promise<void> {
    const pool = this.#opts.pool;

    // 2. EK certificate policy.
    progress('ek-policy');
    await journal('ek-policy', 'begin');
    let ekCheck: { ok: boolean; reason?: string; chain?: string[] } = {
      ok: true,
      reason: 'policy off',
    };
    if (batch.ekPolicy !== 'off') {
      ekCheck = checkEkCertificate(identity, this.#opts.trustStore ?? []);
      if (!ekCheck.ok && batch.ekPolicy === 'require') {
        throw new StepError({
          step: 'ek-policy',
          message: `The TPM's EK certificate is not trusted: ${ekCheck.reason}.`,
          action:
            'Set this TPM aside. If its vendor is genuine, add the vendor CA certificate to the EK trust store and try again.',
        });
      }
    }
    journal('ek-policy', 'end', { policy: batch.ekPolicy, ...ekCheck });

    // 3. The key.
    progress('key');
    await this.clearOurLeftovers(ops, profile, identity.deviceId, rowId, journal);
    await this.checkHandlesFree(ops, profile);
    await journal('key', 'begin', { handle: profile.keyHandle });
    if (profile.srkHandle !== undefined) await ops.ensureStorageRootKey(profile.srkHandle);
    const key = await ops.createEcdaaKey(profile);
    journal('key', 'end', { Q: Buffer.from(key.Q).toString('hex'), handle: profile.keyHandle });

    // 4. EK binding.
    progress('ek-binding');
    await journal('ek-binding', 'begin');
    const binding = await ops.ekBinding(profile.keyHandle, key.name, identity.ek);
    journal('ek-binding', 'end', binding, {
      ekBinding: JSON.stringify(binding),
      step: 'ek-binding',
    });
    if (!binding.ok) {
      throw new StepError({
        step: 'ek-binding',
        message: `The new key could not be proven to live in the same TPM as its EK (${binding.detail ?? binding.method}).`,
        action: 'Set this TPM aside: it may not be genuine. Report it to a supervisor.',
      });
    }

    // 5. Join.
    progress('join');
    const nonce = new Uint8Array(randomBytes(32));
    await journal('join', 'begin', { nonce: Buffer.from(nonce).toString('hex') });
    const signer = await ops.signer(profile.keyHandle);
    // The pool checks the join proof below, off this thread.
    const memberPk = await tpmJoin(signer, nonce, { check: false });
    if (!equalBytes(memberPk.subarray(0, 65), key.Q)) {
      throw new StepError({
        step: 'join',
        message: 'The join proof names another key than the one the TPM just created.',
        action: 'Set this TPM aside and report it: its answers are inconsistent.',
      });
    }
    if (!(await pool.verifyMemberPublicKey(memberPk, nonce))) {
      throw new StepError({
        step: 'join',
        message: "The TPM's join proof does not verify against the issuer's nonce.",
        action: 'Try this TPM once more; if it fails again, set it aside.',
      });
    }
    const isk = openIssuerSecret(this.#ws, batch);
    let issued: { credential: Uint8Array; credentialSignature: Uint8Array };
    try {
      issued = await pool.issueCredential(memberPk, isk);
    } finally {
      isk.fill(0);
    }
    journal(
      'join',
      'end',
      {},
      {
        memberPk,
        nonce,
        credential: issued.credential,
        credentialSignature: issued.credentialSignature,
        step: 'join',
      },
    );

    // 6. NV.
    progress('nv');
    await journal('nv', 'begin');
    const objects = nvObjects(batch, issued.credential, issued.credentialSignature);
    for (const [what, data] of objects) {
      // checkCapable made sure at identify that each object fits the TPM's NV buffer.
      await ops.nvDefineAndWrite(profile, profile.nv[what], data, this.#opts.writeLock ?? false);
    }
    const readBack = new Map<NvObject, Uint8Array>();
    for (const [what, data] of objects) {
      const back = await ops.nvRead(profile.nv[what]);
      readBack.set(what, back);
      if (!equalBytes(back, data)) {
        throw new StepError({
          step: 'nv',
          message: `The ${what} read back from NV ${hex32(profile.nv[what])} differs from what was written.`,
          action:
            'Try this TPM once more; if it fails again, set it aside (its NV memory may be faulty).',
        });
      }
    }
    const persisted = await ops.readPersistentKey(profile.keyHandle);
    if (!equalBytes(persisted, key.Q)) {
      throw new StepError({
        step: 'nv',
        message: `The key persisted at ${hex32(profile.keyHandle)} is not the key that joined.`,
        action: 'Try this TPM once more; if it fails again, set it aside.',
      });
    }
    journal('nv', 'end', { indexes: objects.map(([w]) => hex32(profile.nv[w])) }, { step: 'nv' });

    // 7. Self-test.
    await this.selfTest(ops, batch, profile, rowId, progress, journal, { readBack, signer });
  }

  /** Step 7: the TPM signs a fresh challenge with the credential as read from its NV. */
  private async selfTest(
    ops: TpmOps,
    batch: BatchRow,
    profile: LayoutProfile,
    rowId: number,
    progress: (s: StepName) => void,
    journal: JournalFn,
    /**
     * Straight after the NV step: the objects it read back (and found equal to what it wrote)
     * and the join's signer. They are what NV and the key handle hold now — this TPM is ours
     * alone, one command at a time, and nothing has been sent to it since but the reads and
     * the key check (ReadPublic, equal to the key that joined) — so the self-test uses them
     * instead of reading them again. A resumed device reads them from the TPM.
     */
    fresh?: { readBack: ReadonlyMap<NvObject, Uint8Array>; signer: EcdaaTpmSigner },
  ): Promise<void> {
    progress('selftest');
    const challenge = new Uint8Array(
      Buffer.concat([Buffer.from('ztp-selftest:'), randomBytes(32)]),
    );
    await journal('selftest', 'begin');
    const read = (what: NvObject) => fresh?.readBack.get(what) ?? ops.nvRead(profile.nv[what]);
    const [gpk, credential, basename] = await Promise.all([
      read('gpk'),
      read('credential'),
      read('basename'),
    ]);
    const [signer, randomized] = await Promise.all([
      fresh?.signer ?? ops.signer(profile.keyHandle),
      this.#opts.pool.randomizeCredential(credential),
    ]);
    // Randomizing the credential and checking the result run in the pool, off this thread.
    const signature = await tpmSign(signer, credential, challenge, basename, undefined, {
      randomized,
      check: false,
    });
    const ok =
      equalBytes(gpk, batch.gpk) &&
      (await this.#opts.pool.verifySignatureBatched(signature, challenge, batch.gpk, basename));
    if (!ok) {
      throw new StepError({
        step: 'selftest',
        message:
          "The TPM's self-test signature does not verify against the batch's group public key.",
        action: 'The device is not counted. Try it once more; if it fails again, set it aside.',
      });
    }
    journal(
      'selftest',
      'end',
      {},
      {
        selftestMessage: challenge,
        selftestSignature: signature,
        step: 'selftest',
      },
    );
  }

  /**
   * An earlier attempt on this TPM that failed before it could clean up (the TPM vanished)
   * left its objects behind: its journal proves they are ours, so remove them now.
   */
  private async clearOurLeftovers(
    ops: TpmOps,
    profile: LayoutProfile,
    deviceId: string,
    rowId: number,
    journal: JournalFn,
  ): Promise<void> {
    const store = this.#ws.store;
    const previous = store
      .findDevices(deviceId)
      .find((d) => d.rowId !== rowId && d.deviceId === deviceId);
    if (
      !previous ||
      previous.status === 'provisioned' ||
      !ownsObjects(store.journal(previous.rowId))
    ) {
      return;
    }
    await this.rollBackObjects(ops, profile, journal, 'leftovers');
    store.appendJournal(previous.rowId, 'rollback', 'end', { by: rowId });
  }

  /** Refuses to overwrite objects at our handles that this workstation did not create. */
  private async checkHandlesFree(ops: TpmOps, profile: LayoutProfile): Promise<void> {
    const taken: string[] = [];
    if (await ops.readPersistentKey(profile.keyHandle))
      taken.push(`key ${hex32(profile.keyHandle)}`);
    for (const what of NV_OBJECTS) {
      if (await ops.nvPublic(profile.nv[what])) taken.push(`NV ${hex32(profile.nv[what])}`);
    }
    if (taken.length === 0) return;
    if (!this.#opts.force) {
      throw new StepError({
        step: 'key',
        message: `The TPM already holds objects at our handles (${taken.join(', ')}), left by another batch or tool.`,
        action:
          'Set it aside, or provision it with --force to remove those objects (a supervisor decision).',
      });
    }
    for (const what of NV_OBJECTS) {
      if (await ops.nvPublic(profile.nv[what])) await ops.nvUndefine(profile, profile.nv[what]);
    }
    if (await ops.readPersistentKey(profile.keyHandle))
      await ops.evictPersistent(profile, profile.keyHandle);
  }

  /**
   * Removes our key and NV indexes from the TPM. Only called for a device whose journal shows
   * that we started creating them (the handles were checked free before), so they are ours.
   */
  private async rollBackObjects(
    ops: TpmOps,
    profile: LayoutProfile,
    journal: JournalFn,
    why: 'resume' | 'failure' | 'leftovers',
  ): Promise<void> {
    await journal('rollback', 'begin', { why });
    const removed: string[] = [];
    for (const what of NV_OBJECTS) {
      if (await ops.nvPublic(profile.nv[what])) {
        await ops.nvUndefine(profile, profile.nv[what]);
        removed.push(hex32(profile.nv[what]));
      }
    }
    if (await ops.readPersistentKey(profile.keyHandle)) {
      await ops.evictPersistent(profile, profile.keyHandle);
      removed.push(hex32(profile.keyHandle));
    }
    journal('rollback', 'end', { removed });
  }
}

/**
 * True when the journal shows that this record started creating objects at our handles (the
 * handles were checked free, or cleared with --force, just before) and has not removed them
 * since: only then are the objects there ours to remove.
 */
function ownsObjects(rows: { step: string; phase: string }[]): boolean {
  let owns = false;
  for (const r of rows) {
    if (r.step === 'key' && r.phase === 'begin') owns = true;
    else if (r.step === 'rollback' && r.phase === 'end') owns = false;
  }
  return owns;
}

function completedSteps(rows: { step: string; phase: string }[]): Set<string> {
  const done = new Set<string>();
  for (const r of rows) {
    if (r.step === 'rollback') done.clear();
    else if (r.phase === 'end') done.add(r.step);
    else if (r.phase === 'error') done.delete(r.step);
  }
  return done;
}

function nvObjects(
  batch: BatchRow,
  credential: Uint8Array,
  credentialSignature: Uint8Array,
): [NvObject, Uint8Array][] {
  const list: [NvObject, Uint8Array][] = [
    ['gpk', batch.gpk],
    ['credential', credential],
    ['credentialSignature', credentialSignature],
    ['basename', batch.basename],
  ];
  if (batch.rootCert) list.push(['rootCert', batch.rootCert]);
  return list;
}

/** Refuses a TPM that cannot hold an XTT identity under the profile. */
function checkCapable(identity: TpmIdentity, profile: LayoutProfile, batch: BatchRow): void {
  // Before anything is issued or written: each object must fit one NV_Read, as the client
  // reads it (credential and its signature have fixed sizes).
  const sizes = nvObjects(
    batch,
    new Uint8Array(CREDENTIAL_BYTES),
    new Uint8Array(CREDENTIAL_SIGNATURE_BYTES),
  );
  for (const [what, data] of sizes) {
    if (data.length > identity.nvBufferMax) {
      throw new StepError({
        step: 'identify',
        message: `The batch's ${what} (${data.length} bytes) does not fit this TPM's NV buffer (${identity.nvBufferMax} bytes): the XTT client reads each object in one NV_Read.`,
        action: 'Use a batch with a shorter basename or root certificate for TPMs of this model.',
      });
    }
  }
  if (!identity.ecdaa || !identity.bnP256) {
    throw new StepError({
      step: 'identify',
      message: `This TPM (${identity.manufacturer} ${identity.firmwareVersion}) does not support ${
        identity.ecdaa ? 'the BN_P256 curve' : 'ECDAA signing'
      }, which XTT needs.`,
      action: 'Set it aside: this TPM model cannot be provisioned for XTT.',
    });
  }
  if (profile.hierarchy === 'platform' && !identity.platformAuthEmpty) {
    throw new StepError({
      step: 'identify',
      message:
        'Platform authorization is not available on this TPM (its firmware disabled it or set a password).',
      action:
        "Use a programming fixture that gives platform access, or a batch with the 'owner' layout profile.",
    });
  }
}
