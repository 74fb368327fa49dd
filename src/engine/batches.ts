import { randomBytes, randomUUID } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import type { CryptoPool } from '../crypto/pool.ts';
import type { BatchRow, DeviceRow, EkPolicy } from '../store/store.ts';
import { getProfile } from './profiles.ts';
import type { Workstation } from './workstation.ts';

/** The XTT client's basename buffer (domain.md §5). */
export const MAX_BASENAME_BYTES = 1024;
/** NV 0x01410009: root_id (16) ‖ root P-256 public key (65). */
export const ROOT_CERT_BYTES = 81;

export interface NewBatch {
  name: string;
  product?: string;
  notes?: string;
  /** Given basename bytes; 32 random bytes when absent. */
  basename?: Uint8Array;
  profile?: string;
  ekPolicy?: EkPolicy;
  /** Root XTT certificate from the customer's network: 16-byte id and P-256 public key. */
  root?: { id: Uint8Array; publicKey: Uint8Array };
  targetCount?: number;
}

export class BatchStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchStateError';
  }
}

/** Builds the 81-byte root XTT certificate, checking the key is a valid P-256 point. */
export function rootCertificate(id: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (id.length !== 16) {
    throw new Error(`The root id must be 16 bytes (32 hex digits); got ${id.length} bytes.`);
  }
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) {
    throw new Error(
      'The root public key must be an uncompressed P-256 point (65 bytes starting with 04).',
    );
  }
  try {
    p256.Point.fromBytes(publicKey).assertValidity();
  } catch {
    throw new Error('The root public key is not a point on P-256: check the file you were given.');
  }
  const out = new Uint8Array(ROOT_CERT_BYTES);
  out.set(id, 0);
  out.set(publicKey, 16);
  return out;
}

function checkText(value: string, what: string, max: number): string {
  const v = value.trim();
  if (v.length === 0) throw new Error(`The batch ${what} must not be empty.`);
  if (v.length > max) throw new Error(`The batch ${what} is longer than ${max} characters.`);
  if (/\p{Cc}/u.test(v)) throw new Error(`The batch ${what} contains control characters.`);
  return v;
}

/** Creates a batch with a fresh issuer key pair (sealed at rest); returns its row. */
export async function createBatch(
  ws: Workstation,
  pool: CryptoPool,
  operator: string,
  input: NewBatch,
): Promise<BatchRow> {
  ws.requireRole(operator, 'create batches', ['supervisor']);
  const name = checkText(input.name, 'name', 120);
  const product = input.product ? checkText(input.product, 'product', 120) : '';
  const notes = (input.notes ?? '').slice(0, 4000);
  const profile = getProfile(input.profile ?? 'xtt-platform');
  const ekPolicy = input.ekPolicy ?? 'warn';
  if (!['require', 'warn', 'off'].includes(ekPolicy)) {
    throw new Error(`Unknown EK certificate policy '${ekPolicy}': use require, warn or off.`);
  }
  const basename = input.basename ?? new Uint8Array(randomBytes(32));
  if (basename.length === 0 || basename.length > MAX_BASENAME_BYTES) {
    throw new Error(
      `The basename must be 1 to ${MAX_BASENAME_BYTES} bytes (the XTT client's buffer); got ${basename.length}.`,
    );
  }
  const targetCount = input.targetCount ?? null;
  if (targetCount !== null && (!Number.isInteger(targetCount) || targetCount < 1)) {
    throw new Error('The target count must be a whole number of at least 1.');
  }
  const rootCert = input.root ? rootCertificate(input.root.id, input.root.publicKey) : null;
  const keyring = ws.keyring;

  const { ipk, isk } = await pool.generateIssuerKeyPair();
  const id = randomUUID();
  const iskSealed = keyring.seal(isk, `issuer-key:${id}`);
  isk.fill(0);
  const { extractGpk } = await import('../crypto/ecdaa.ts');
  const row = {
    id,
    name,
    product,
    notes,
    basename,
    profile: profile.name,
    ekPolicy,
    rootCert,
    targetCount,
    ipk,
    gpk: extractGpk(ipk),
    iskSealed,
    status: 'open' as const,
    createdAt: new Date().toISOString(),
    createdBy: operator,
  };
  ws.store.transaction(() => {
    ws.store.insertBatch(row);
    ws.store.audit({
      actor: operator,
      action: 'batch.create',
      batchId: id,
      details: { name, product, profile: profile.name, ekPolicy, targetCount },
    });
  });
  return ws.store.getBatch(id)!;
}

/** Resolves a batch by id or unique prefix, with a clear error. */
export function requireBatch(ws: Workstation, idOrPrefix: string): BatchRow {
  const b = ws.store.findBatch(idOrPrefix);
  if (!b) {
    throw new Error(
      `No batch '${idOrPrefix}' on this workstation ('ztp batch list' shows them; a prefix must be unique).`,
    );
  }
  return b;
}

/** Closes a batch: no device can join any more; optionally destroys the issuer secret. */
export function closeBatch(
  ws: Workstation,
  operator: string,
  batchId: string,
  { destroyIssuerKey = false }: { destroyIssuerKey?: boolean } = {},
): BatchRow {
  ws.requireRole(operator, 'close batches', ['supervisor']);
  const b = requireBatch(ws, batchId);
  if (b.status !== 'open') throw new BatchStateError(`Batch ${b.name} is already ${b.status}.`);
  const inProgress = ws.store.batchCounts(b.id).in_progress;
  if (inProgress > 0) {
    throw new BatchStateError(
      `Batch ${b.name} still has ${inProgress} device(s) in progress: resume them ('ztp provision --resume'), ` +
        `or, for a TPM that is gone, set it aside ('ztp device set-aside DEVICE_ID --reason TEXT') first.`,
    );
  }
  ws.store.transaction(() => {
    ws.store.updateBatchStatus(b.id, {
      status: 'closed',
      closedAt: new Date().toISOString(),
      closedBy: operator,
      destroyIsk: destroyIssuerKey,
    });
    ws.store.audit({
      actor: operator,
      action: 'batch.close',
      batchId: b.id,
      details: { issuerKeyDestroyed: destroyIssuerKey },
    });
  });
  return ws.store.getBatch(b.id)!;
}

/** Opens the issuer secret key of an open batch; the caller wipes it after use. */
export function openIssuerSecret(ws: Workstation, batch: BatchRow): Uint8Array {
  if (batch.status !== 'open') {
    throw new BatchStateError(`Batch ${batch.name} is ${batch.status}: no device can join it.`);
  }
  if (!batch.iskSealed) {
    throw new BatchStateError(`The issuer key of batch ${batch.name} was destroyed.`);
  }
  return ws.keyring.open(batch.iskSealed, `issuer-key:${batch.id}`);
}

/** What the store keeps of a supervisor's decision to set a device aside. */
export interface SetAside {
  reason: string;
  by: string;
  at: string;
}

/**
 * Sets a device of an open batch aside: its record, in progress (its TPM is gone, so it cannot
 * be resumed) or failed, ends there, with the supervisor's reason; the batch can then close,
 * and the manifest lists the device as set aside. Only for a TPM no run is working on. If the
 * TPM comes back, it is provisioned afresh (leftovers of the earlier attempt are removed).
 */
export function setAsideDevice(
  ws: Workstation,
  operator: string,
  deviceIdOrPrefix: string,
  reason: string,
  { batchId }: { batchId?: string } = {},
): DeviceRow {
  ws.requireRole(operator, 'set devices aside', ['supervisor']);
  const why = reason.trim();
  if (why.length === 0) throw new Error('Give the reason for setting the device aside.');
  if (why.length > 1000) throw new Error('The reason is longer than 1000 characters.');
  if (/\p{Cc}/u.test(why)) throw new Error('The reason contains control characters.');
  const rows = ws.store.findDevices(deviceIdOrPrefix);
  const ids = new Set(rows.map((r) => r.deviceId));
  if (rows.length === 0) {
    throw new Error(`No device '${deviceIdOrPrefix}' on this workstation ('ztp device list').`);
  }
  if (ids.size > 1) {
    throw new Error(`'${deviceIdOrPrefix}' matches ${ids.size} devices: give more digits.`);
  }
  const batch = batchId === undefined ? undefined : requireBatch(ws, batchId);
  // The latest record of the TPM in each batch stands for it there (rows are newest first).
  const latest = rows.filter(
    (r, i) =>
      rows.findIndex((o) => o.batchId === r.batchId) === i && (!batch || r.batchId === batch.id),
  );
  const candidates = latest.filter(
    (r) =>
      (r.status === 'in_progress' || r.status === 'failed') &&
      ws.store.getBatch(r.batchId)?.status === 'open',
  );
  if (candidates.length === 0) {
    const r = latest[0];
    const state = !r
      ? `has no record in batch ${batch!.name}`
      : ws.store.getBatch(r.batchId)?.status !== 'open'
        ? `belongs to batch ${r.batchId}, which is ${ws.store.getBatch(r.batchId)?.status}`
        : `is ${r.status.replace('_', ' ')}`;
    throw new BatchStateError(
      `Device ${[...ids][0]} ${state}: only a device in progress or failed in an open batch can be set aside.`,
    );
  }
  if (candidates.length > 1) {
    throw new Error(
      `Device ${candidates[0]!.deviceId} is open in ${candidates.length} batches: name one with --batch.`,
    );
  }
  const row = candidates[0]!;
  const setAside: SetAside = { reason: why, by: operator, at: new Date().toISOString() };
  ws.store.transaction(() => {
    ws.store.updateDevice(row.rowId, {
      status: 'set_aside',
      setAside: JSON.stringify(setAside),
      finishedAt: row.finishedAt ?? setAside.at,
    });
    ws.store.appendJournal(row.rowId, 'set-aside', 'end', { reason: why, by: operator });
    ws.store.audit({
      actor: operator,
      action: 'device.set-aside',
      batchId: row.batchId,
      deviceId: row.deviceId,
      details: { reason: why, previousStatus: row.status, step: row.step },
    });
  });
  return ws.store.getDevice(row.rowId)!;
}
