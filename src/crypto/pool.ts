/**
 * CryptoPool runs the heavy byte-level ECDAA calls (pairings, key generation) in worker
 * threads, so a process that serves a UI never stalls and a batch uses every core.
 * Each call is an async twin of the function of the same role in `ecdaa.ts`; errors keep
 * their meaning: malformed input rejects with an {@link EcdaaFormatError}.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EcdaaFormatError, type Revocations } from './ecdaa.ts';

export type PoolOp =
  | 'generateIssuerKeyPair'
  | 'verifyIssuerPublicKey'
  | 'verifyMemberPublicKey'
  | 'issueCredential'
  | 'verifyCredential'
  | 'checkCredential'
  | 'sign'
  | 'verifySignature'
  | 'checkSignature'
  | 'checkSignatures'
  | 'randomizeCredential';
export interface PoolRequest {
  id: number;
  op: PoolOp;
  args: unknown[];
}
export type PoolResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

interface Task {
  req: PoolRequest;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** A signature check that may share one worker call with others of the same key. */
  batch?: { key: string; signature: Uint8Array; message: Uint8Array };
}

/** The most signature checks one worker call takes together. */
const BATCH_LIMIT = 32;
interface Slot {
  worker: Worker;
  task?: Task;
}

/** The worker entry beside this file; `.ts` when running from sources (tsx, vitest). */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './pool-worker.ts' : './pool-worker.js',
  import.meta.url,
);

/**
 * Starts a worker on WORKER_URL. Compiled JavaScript starts directly. From TypeScript sources
 * (bin/ztp and vitest both run them through tsx) the worker needs tsx too, and on Node 20 a
 * worker does not get the loader hooks from an inherited `--import`: so a tiny JavaScript
 * bootstrap registers tsx's ESM hooks inside the worker first, then imports the entry.
 */
function startWorker(): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL);
  const tsxApi = new URL('esm/api/index.mjs', pathToFileURL(tsxDist())).href;
  const boot =
    `import(${JSON.stringify(tsxApi)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true });
}

/** tsx's dist folder, found from its package entry (`tsx` resolves to dist/loader.mjs). */
function tsxDist(): string {
  const loader = createRequire(import.meta.url).resolve('tsx');
  return loader.slice(0, loader.lastIndexOf('/') + 1);
}

export class CryptoPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  /** `size` worker threads, started on first use; defaults to the number of cores. */
  constructor(size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`CryptoPool size must be a positive integer, got ${size}`);
    }
    this.size = size;
  }

  generateIssuerKeyPair(): Promise<{ ipk: Uint8Array; isk: Uint8Array }> {
    return this.run('generateIssuerKeyPair', []);
  }
  verifyIssuerPublicKey(ipk: Uint8Array): Promise<boolean> {
    return this.run('verifyIssuerPublicKey', [ipk]);
  }
  /** The member's join proof against the issuer's nonce. */
  verifyMemberPublicKey(memberPk: Uint8Array, nonce: Uint8Array): Promise<boolean> {
    return this.run('verifyMemberPublicKey', [memberPk, nonce]);
  }
  /** Does not check the join proof: call verifyMemberPublicKey first. */
  issueCredential(
    memberPk: Uint8Array,
    isk: Uint8Array,
  ): Promise<{ credential: Uint8Array; credentialSignature: Uint8Array }> {
    return this.run('issueCredential', [memberPk, isk]);
  }
  verifyCredential(
    credential: Uint8Array,
    credentialSignature: Uint8Array,
    memberPk: Uint8Array,
    gpk: Uint8Array,
  ): Promise<boolean> {
    return this.run('verifyCredential', [credential, credentialSignature, memberPk, gpk]);
  }
  /** Like verifyCredential, but resolves to the failed check's description, or null. */
  checkCredential(
    credential: Uint8Array,
    credentialSignature: Uint8Array,
    memberPk: Uint8Array,
    gpk: Uint8Array,
  ): Promise<string | null> {
    return this.run('checkCredential', [credential, credentialSignature, memberPk, gpk]);
  }
  /** A software member's signature (tests, self-checks); TPM members use tpm-member.ts. */
  sign(
    memberSk: Uint8Array,
    credential: Uint8Array,
    message: Uint8Array,
    basename?: Uint8Array,
  ): Promise<Uint8Array> {
    return this.run('sign', [memberSk, credential, message, basename]);
  }
  verifySignature(
    signature: Uint8Array,
    message: Uint8Array,
    gpk: Uint8Array,
    basename?: Uint8Array,
    revocations?: Revocations,
  ): Promise<boolean> {
    return this.run('verifySignature', [signature, message, gpk, basename, revocations]);
  }
  /** Like verifySignature, but resolves to the failed check's description, or null. */
  checkSignature(
    signature: Uint8Array,
    message: Uint8Array,
    gpk: Uint8Array,
    basename?: Uint8Array,
    revocations?: Revocations,
  ): Promise<string | null> {
    return this.run('checkSignature', [signature, message, gpk, basename, revocations]);
  }

  /**
   * verifySignature without revocation lists, for callers that check many signatures under
   * one GPK and basename at once (the provisioning engine's self-tests): calls still waiting
   * for a worker when one comes free, with the same GPK and basename, are checked in one
   * worker call with one batched pairing product (`checkSignaturesBytes`); each still gets
   * its own answer. A lone call costs what verifySignature costs.
   */
  verifySignatureBatched(
    signature: Uint8Array,
    message: Uint8Array,
    gpk: Uint8Array,
    basename?: Uint8Array,
  ): Promise<boolean> {
    if (this.closed) {
      return Promise.reject(new Error('CryptoPool is closed: create a new pool'));
    }
    const key = `${Buffer.from(gpk).toString('hex')}/${basename ? Buffer.from(basename).toString('hex') : '-'}`;
    return new Promise<boolean>((resolve, reject) => {
      const req = { id: this.nextId++, op: 'checkSignatures' as const, args: [[], gpk, basename] };
      const batch = { key, signature, message };
      this.queue.push({ req, resolve: resolve as (v: unknown) => void, reject, batch });
      this.dispatch();
    });
  }

  /** R ‖ S ‖ T ‖ W for a TPM-made signature (see tpmSign's `randomized` option). */
  randomizeCredential(credential: Uint8Array): Promise<Uint8Array> {
    return this.run('randomizeCredential', [credential]);
  }

  /** Stops the workers; calls still queued or running reject. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('CryptoPool was closed before the call finished');
    for (const task of this.queue.splice(0)) task.reject(error);
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.task?.reject(error);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private run<T>(op: PoolOp, args: unknown[]): Promise<T> {
    if (this.closed) {
      return Promise.reject(new Error('CryptoPool is closed: create a new pool'));
    }
    return new Promise<T>((resolve, reject) => {
      const req = { id: this.nextId++, op, args };
      this.queue.push({ req, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      let task = this.queue.shift() as Task;
      if (task.batch) task = this.takeBatch(task);
      slot.task = task;
      // A busy worker keeps the process alive; an idle one must not.
      slot.worker.ref();
      slot.worker.postMessage(task.req);
    }
  }

  /** One worker call for `first` and every queued signature check of the same key. */
  private takeBatch(first: Task): Task {
    const members = [first];
    for (let i = 0; i < this.queue.length && members.length < BATCH_LIMIT;) {
      const t = this.queue[i]!;
      if (t.batch?.key === first.batch!.key) {
        members.push(t);
        this.queue.splice(i, 1);
      } else i++;
    }
    const items = members.map((t) => [t.batch!.signature, t.batch!.message]);
    return {
      req: { ...first.req, args: [items, ...first.req.args.slice(1)] },
      resolve: (value) => {
        (value as (string | null | { formatError: string })[]).forEach((r, i) => {
          if (r !== null && typeof r === 'object') {
            members[i]!.reject(new EcdaaFormatError(r.formatError));
          } else members[i]!.resolve(r === null);
        });
      },
      reject: (error) => {
        for (const t of members) t.reject(error);
      },
    };
  }

  private spawn(): Slot {
    const worker = startWorker();
    const slot: Slot = { worker };
    worker.on('message', (res: PoolResponse) => {
      const task = slot.task;
      if (!task || task.req.id !== res.id) return;
      slot.task = undefined;
      worker.unref();
      if (res.ok) task.resolve(res.value);
      else task.reject(reviveError(res.error));
      this.dispatch();
    });
    const fail = (error: Error) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      slot.task?.reject(error);
      slot.task = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (e) => fail(new Error(`crypto worker failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`crypto worker exited unexpectedly (code ${code})`));
    });
    this.slots.push(slot);
    return slot;
  }
}

function reviveError(e: { name: string; message: string }): Error {
  if (e.name === 'EcdaaFormatError') return new EcdaaFormatError(e.message);
  if (e.name === 'RangeError') return new RangeError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
