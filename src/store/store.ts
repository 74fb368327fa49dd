import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './migrations.ts';
import type { KeyringHeader } from './keyring.ts';

/**
 * The workstation's SQLite store. All SQL of the project lives in this folder; parameters are
 * always bound. One file per workstation (`ztp.db` in the data folder), WAL with synchronous
 * FULL so that a journal step that returned is on disk before the next TPM command.
 */

export type BatchStatus = 'open' | 'closed' | 'exported';
export type DeviceStatus = 'in_progress' | 'provisioned' | 'failed' | 'rolled_back' | 'set_aside';
export type EkPolicy = 'require' | 'warn' | 'off';
export type Role = 'operator' | 'supervisor' | 'auditor';

export interface BatchRow {
  id: string;
  name: string;
  product: string;
  notes: string;
  basename: Uint8Array;
  profile: string;
  ekPolicy: EkPolicy;
  rootCert: Uint8Array | null;
  targetCount: number | null;
  ipk: Uint8Array;
  gpk: Uint8Array;
  iskSealed: Uint8Array | null;
  iskDestroyedAt: string | null;
  status: BatchStatus;
  createdAt: string;
  createdBy: string;
  closedAt: string | null;
  closedBy: string | null;
  exportedAt: string | null;
}

export interface DeviceRow {
  rowId: number;
  batchId: string;
  deviceId: string;
  status: DeviceStatus;
  step: string;
  slot: string;
  tpmName: string;
  /** JSON: the TPM's identity as read in step 1 (EK public keys, certificates, vendor, firmware). */
  identity: string;
  memberPk: Uint8Array | null;
  nonce: Uint8Array | null;
  credential: Uint8Array | null;
  credentialSignature: Uint8Array | null;
  /** JSON: the EK binding result. */
  ekBinding: string | null;
  selftestMessage: Uint8Array | null;
  selftestSignature: Uint8Array | null;
  /** JSON: { step, code?, message, action } for failed devices. */
  failure: string | null;
  /** JSON: { reason, by, at } when a supervisor set the device aside (migration 2). */
  setAside: string | null;
  operator: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface JournalRow {
  id: number;
  deviceRow: number;
  step: string;
  phase: 'begin' | 'end' | 'error';
  data: string;
  at: string;
}

export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  batchId: string | null;
  deviceId: string | null;
  details: string;
  prevHash: Uint8Array;
  hash: Uint8Array;
}

export interface FacilityKeyRow {
  thumbprint: string;
  publicJwk: string;
  privateSealed: Uint8Array;
  createdAt: string;
  retiredAt: string | null;
}

export class StoreVersionError extends Error {
  /** The CLI's exit code: this workstation's software is not fit for the file (EXIT.ENVIRONMENT). */
  readonly exitCode = 3;
  constructor(found: number, supported: number, file: string) {
    super(
      `The database ${file} was written by a newer ZTP Workstation (schema ${found}; this ` +
        `version knows up to ${supported}). Install the newer version; the file was not changed.`,
    );
    this.name = 'StoreVersionError';
  }
}

export class StoreOpenError extends Error {
  constructor(file: string, cause: unknown) {
    super(
      `Cannot open the database ${file}: ${(cause as Error).message}. If the file is damaged, ` +
        'restore it from a backup; the workstation did not change it.',
      { cause },
    );
    this.name = 'StoreOpenError';
  }
}

const ZERO_HASH = new Uint8Array(32);

/** SQL: device record `d` is a failed or set-aside attempt that a later attempt superseded. */
const SUPERSEDED = `(d.status IN ('failed', 'set_aside') AND EXISTS (
  SELECT 1 FROM devices later WHERE later.device_id = d.device_id
    AND later.batch_id = d.batch_id AND later.row_id > d.row_id))`;

/** Columns are snake_case in SQL and camelCase in TypeScript. */
function camel<T>(row: Record<string, unknown> | undefined): T | undefined {
  if (!row) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  return out as T;
}

function now(): string {
  return new Date().toISOString();
}

/** The hash that chains audit event `e` to its predecessor. */
export function auditHash(e: Omit<AuditEvent, 'hash'>): Uint8Array {
  const body = JSON.stringify([e.seq, e.at, e.actor, e.action, e.batchId, e.deviceId, e.details]);
  return createHash('sha256').update(e.prevHash).update(body, 'utf8').digest();
}

export class Store {
  readonly db: Database.Database;
  readonly file: string;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
  }

  /** Opens (creating if needed) `ztp.db` in `dataDir` and brings it to the current schema. */
  static open(dataDir: string, { readonly = false } = {}): Store {
    const file = path.join(dataDir, 'ztp.db');
    let db: Database.Database;
    try {
      if (!readonly) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      db = new Database(file, { readonly, fileMustExist: readonly });
      db.pragma('foreign_keys = ON');
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
      }
      db.pragma('busy_timeout = 5000');
      // Reading the schema fails on a file that is not a SQLite database.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (e) {
      throw new StoreOpenError(file, e);
    }
    const store = new Store(db, file);
    try {
      store.migrate(readonly);
    } catch (e) {
      db.close();
      throw e;
    }
    return store;
  }

  /** Applies the missing migrations, each in a transaction; refuses a newer database. */
  private migrate(readonly: boolean): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new StoreVersionError(version, MIGRATIONS.length, this.file);
    }
    if (readonly) return;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- settings ----

  getSetting(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  getKeyringHeader(): KeyringHeader | undefined {
    const raw = this.getSetting('keyring');
    return raw === undefined ? undefined : (JSON.parse(raw) as KeyringHeader);
  }

  setKeyringHeader(header: KeyringHeader): void {
    this.setSetting('keyring', JSON.stringify(header));
  }

  // ---- operators ----

  upsertOperator(name: string, role: Role): void {
    this.db
      .prepare(
        'INSERT INTO operators (name, role, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET role = excluded.role',
      )
      .run(name, role, now());
  }

  getOperator(name: string): { name: string; role: Role; createdAt: string } | undefined {
    return camel(this.db.prepare('SELECT * FROM operators WHERE name = ?').get(name) as never);
  }

  listOperators(): { name: string; role: Role; createdAt: string }[] {
    return (this.db.prepare('SELECT * FROM operators ORDER BY name').all() as never[]).map((r) =>
      camel(r)!,
    );
  }

  // ---- facility keys ----

  insertFacilityKey(row: Omit<FacilityKeyRow, 'retiredAt'>): void {
    this.db
      .prepare(
        'INSERT INTO facility_keys (thumbprint, public_jwk, private_sealed, created_at) VALUES (?, ?, ?, ?)',
      )
      .run(row.thumbprint, row.publicJwk, row.privateSealed, row.createdAt);
  }

  listFacilityKeys(): FacilityKeyRow[] {
    return (
      this.db
        .prepare('SELECT * FROM facility_keys ORDER BY created_at, thumbprint')
        .all() as never[]
    ).map((r) => camel<FacilityKeyRow>(r)!);
  }

  retireFacilityKey(thumbprint: string, at = now()): void {
    this.db
      .prepare(
        'UPDATE facility_keys SET retired_at = ? WHERE thumbprint = ? AND retired_at IS NULL',
      )
      .run(at, thumbprint);
  }

  // ---- batches ----

  insertBatch(b: Omit<BatchRow, 'closedAt' | 'closedBy' | 'exportedAt' | 'iskDestroyedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO batches (id, name, product, notes, basename, profile, ek_policy, root_cert,
           target_count, ipk, gpk, isk_sealed, status, created_at, created_by)
         VALUES (@id, @name, @product, @notes, @basename, @profile, @ekPolicy, @rootCert,
           @targetCount, @ipk, @gpk, @iskSealed, @status, @createdAt, @createdBy)`,
      )
      .run(b);
  }

  getBatch(id: string): BatchRow | undefined {
    return camel<BatchRow>(this.db.prepare('SELECT * FROM batches WHERE id = ?').get(id) as never);
  }

  /** Finds a batch by its full id or a unique prefix of at least 4 characters. */
  findBatch(idOrPrefix: string): BatchRow | undefined {
    const exact = this.getBatch(idOrPrefix);
    if (exact || idOrPrefix.length < 4) return exact;
    const rows = this.db
      .prepare("SELECT id FROM batches WHERE id LIKE ? ESCAPE '\\' LIMIT 2")
      .all(idOrPrefix.replace(/[\\%_]/g, '\\$&') + '%') as { id: string }[];
    return rows.length === 1 ? this.getBatch(rows[0]!.id) : undefined;
  }

  listBatches(): BatchRow[] {
    return (this.db.prepare('SELECT * FROM batches ORDER BY created_at DESC').all() as never[]).map(
      (r) => camel<BatchRow>(r)!,
    );
  }

  updateBatchStatus(
    id: string,
    fields: Partial<Pick<BatchRow, 'status' | 'closedAt' | 'closedBy' | 'exportedAt'>> & {
      destroyIsk?: boolean;
    },
  ): void {
    const b = this.getBatch(id);
    if (!b) throw new Error(`no batch ${id}`);
    this.db
      .prepare(
        `UPDATE batches SET status = ?, closed_at = ?, closed_by = ?, exported_at = ?,
           isk_sealed = ?, isk_destroyed_at = ? WHERE id = ?`,
      )
      .run(
        fields.status ?? b.status,
        fields.closedAt ?? b.closedAt,
        fields.closedBy ?? b.closedBy,
        fields.exportedAt ?? b.exportedAt,
        fields.destroyIsk ? null : b.iskSealed,
        fields.destroyIsk ? now() : b.iskDestroyedAt,
        id,
      );
  }

  /**
   * Counts the batch's TPMs by the status of the record that stands for each: a failed or
   * set-aside attempt is superseded by any later record of the same TPM in the batch (it was
   * tried again), so a TPM refused once and then provisioned counts once, as provisioned.
   * Rolled-back records always count: each stands for a credential that was issued.
   */
  batchCounts(id: string): Record<DeviceStatus, number> {
    const counts: Record<DeviceStatus, number> = {
      in_progress: 0,
      provisioned: 0,
      failed: 0,
      rolled_back: 0,
      set_aside: 0,
    };
    const rows = this.db
      .prepare(
        `SELECT status, count(*) AS n FROM devices d WHERE batch_id = ? AND NOT ${SUPERSEDED}
         GROUP BY status`,
      )
      .all(id) as { status: DeviceStatus; n: number }[];
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  // ---- devices and journal ----

  insertDevice(
    d: Pick<
      DeviceRow,
      'batchId' | 'deviceId' | 'step' | 'slot' | 'tpmName' | 'identity' | 'operator'
    >,
  ): number {
    const info = this.db
      .prepare(
        `INSERT INTO devices (batch_id, device_id, status, step, slot, tpm_name, identity, operator, started_at)
         VALUES (?, ?, 'in_progress', ?, ?, ?, ?, ?, ?)`,
      )
      .run(d.batchId, d.deviceId, d.step, d.slot, d.tpmName, d.identity, d.operator, now());
    return Number(info.lastInsertRowid);
  }

  getDevice(rowId: number): DeviceRow | undefined {
    return camel<DeviceRow>(
      this.db.prepare('SELECT * FROM devices WHERE row_id = ?').get(rowId) as never,
    );
  }

  /** The live record (in progress or provisioned) of a TPM, by device id. */
  liveDevice(deviceId: string): DeviceRow | undefined {
    return camel<DeviceRow>(
      this.db
        .prepare(
          "SELECT * FROM devices WHERE device_id = ? AND status IN ('in_progress', 'provisioned')",
        )
        .get(deviceId) as never,
    );
  }

  /** Every record of a device id, newest first; `deviceId` may be a unique prefix. */
  findDevices(deviceIdOrPrefix: string): DeviceRow[] {
    const pattern = deviceIdOrPrefix.toLowerCase().replace(/[^0-9a-f]/g, '') + '%';
    return (
      this.db
        .prepare('SELECT * FROM devices WHERE device_id LIKE ? ORDER BY row_id DESC LIMIT 50')
        .all(pattern) as never[]
    ).map((r) => camel<DeviceRow>(r)!);
  }

  listDevices(batchId: string, status?: DeviceStatus): DeviceRow[] {
    const rows = status
      ? this.db
          .prepare('SELECT * FROM devices WHERE batch_id = ? AND status = ? ORDER BY row_id')
          .all(batchId, status)
      : this.db.prepare('SELECT * FROM devices WHERE batch_id = ? ORDER BY row_id').all(batchId);
    return (rows as never[]).map((r) => camel<DeviceRow>(r)!);
  }

  /** Streams a batch's devices without holding them all in memory. */
  *iterateDevices(batchId: string, status?: DeviceStatus): Generator<DeviceRow> {
    const stmt = status
      ? this.db
          .prepare('SELECT * FROM devices WHERE batch_id = ? AND status = ? ORDER BY row_id')
          .bind(batchId, status)
      : this.db.prepare('SELECT * FROM devices WHERE batch_id = ? ORDER BY row_id').bind(batchId);
    for (const r of stmt.iterate() as Iterable<never>) yield camel<DeviceRow>(r)!;
  }

  /**
   * Streams the records of TPMs that did not end provisioned in the batch (failed, set aside,
   * rolled back), without the attempts superseded by a later one (see batchCounts).
   */
  *iterateRejected(batchId: string): Generator<DeviceRow> {
    const stmt = this.db
      .prepare(
        `SELECT * FROM devices d WHERE batch_id = ?
           AND status IN ('failed', 'set_aside', 'rolled_back') AND NOT ${SUPERSEDED}
         ORDER BY row_id`,
      )
      .bind(batchId);
    for (const r of stmt.iterate() as Iterable<never>) yield camel<DeviceRow>(r)!;
  }

  /** Row ids of the batch's failed or set-aside attempts that a later attempt superseded. */
  supersededRows(batchId: string): Set<number> {
    const rows = this.db
      .prepare(`SELECT row_id FROM devices d WHERE batch_id = ? AND ${SUPERSEDED}`)
      .pluck()
      .all(batchId) as number[];
    return new Set(rows);
  }

  /** When the batch's first device started and its last one finished (SQL aggregates). */
  deviceTimes(batchId: string): { first: string | null; last: string | null } {
    return this.db
      .prepare(
        'SELECT min(started_at) AS first, max(finished_at) AS last FROM devices WHERE batch_id = ?',
      )
      .get(batchId) as { first: string | null; last: string | null };
  }

  /** Everyone named in the batch's audit events, without reading the events. */
  auditActors(batchId: string): string[] {
    return this.db
      .prepare('SELECT DISTINCT actor FROM audit_events WHERE batch_id = ? ORDER BY actor')
      .pluck()
      .all(batchId) as string[];
  }

  listInProgress(): DeviceRow[] {
    return (
      this.db
        .prepare("SELECT * FROM devices WHERE status = 'in_progress' ORDER BY row_id")
        .all() as never[]
    ).map((r) => camel<DeviceRow>(r)!);
  }

  updateDevice(
    rowId: number,
    fields: Partial<Omit<DeviceRow, 'rowId' | 'batchId' | 'deviceId' | 'startedAt'>>,
  ): void {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    const sets = entries.map(([k]) => `${k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())} = ?`);
    this.db
      .prepare(`UPDATE devices SET ${sets.join(', ')} WHERE row_id = ?`)
      .run(...entries.map(([, v]) => v), rowId);
  }

  appendJournal(
    deviceRow: number,
    step: string,
    phase: JournalRow['phase'],
    data: unknown = {},
  ): void {
    this.db
      .prepare('INSERT INTO journal (device_row, step, phase, data, at) VALUES (?, ?, ?, ?, ?)')
      .run(deviceRow, step, phase, JSON.stringify(data), now());
  }

  journal(deviceRow: number): JournalRow[] {
    return (
      this.db
        .prepare('SELECT * FROM journal WHERE device_row = ? ORDER BY id')
        .all(deviceRow) as never[]
    ).map((r) => camel<JournalRow>(r)!);
  }

  /** The data of the record's latest EK certificate check (journal step 'ek-policy'). */
  ekCheckData(deviceRow: number): string | undefined {
    return this.db
      .prepare(
        "SELECT data FROM journal WHERE device_row = ? AND step = 'ek-policy' AND phase = 'end' ORDER BY id DESC LIMIT 1",
      )
      .pluck()
      .get(deviceRow) as string | undefined;
  }

  // ---- audit ----

  /** Appends an event to the hash chain; returns it. */
  audit(e: {
    actor: string;
    action: string;
    batchId?: string | null;
    deviceId?: string | null;
    details?: unknown;
  }): AuditEvent {
    return this.transaction(() => {
      const last = this.db
        .prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1')
        .get() as { seq: number; hash: Uint8Array } | undefined;
      const base = {
        seq: (last?.seq ?? 0) + 1,
        at: now(),
        actor: e.actor,
        action: e.action,
        batchId: e.batchId ?? null,
        deviceId: e.deviceId ?? null,
        details: JSON.stringify(e.details ?? {}),
        prevHash: last?.hash ?? ZERO_HASH,
      };
      const event: AuditEvent = { ...base, hash: auditHash(base) };
      this.db
        .prepare(
          `INSERT INTO audit_events (seq, at, actor, action, batch_id, device_id, details, prev_hash, hash)
           VALUES (@seq, @at, @actor, @action, @batchId, @deviceId, @details, @prevHash, @hash)`,
        )
        .run(event);
      return event;
    });
  }

  listAudit(filter: { batchId?: string; afterSeq?: number; limit?: number } = {}): AuditEvent[] {
    const rows = filter.batchId
      ? this.db
          .prepare('SELECT * FROM audit_events WHERE batch_id = ? AND seq > ? ORDER BY seq LIMIT ?')
          .all(filter.batchId, filter.afterSeq ?? 0, filter.limit ?? -1)
      : this.db
          .prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?')
          .all(filter.afterSeq ?? 0, filter.limit ?? -1);
    return (rows as never[]).map((r) => camel<AuditEvent>(r)!);
  }

  /** A batch's events with one of `actions`, oldest first (found by SQL, not by reading all). */
  listAuditActions(batchId: string, actions: readonly string[]): AuditEvent[] {
    if (actions.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT * FROM audit_events WHERE batch_id = ? AND action IN (${actions.map(() => '?').join(', ')})
         ORDER BY seq`,
      )
      .all(batchId, ...actions);
    return (rows as never[]).map((r) => camel<AuditEvent>(r)!);
  }

  /** The newest event, the head of the chain. */
  auditHead(): AuditEvent | undefined {
    return camel<AuditEvent>(
      this.db.prepare('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1').get() as never,
    );
  }

  /** Recomputes the whole chain; returns the first broken link, if any. */
  verifyAuditChain(): { ok: true; count: number } | { ok: false; seq: number; reason: string } {
    let prev: Uint8Array = ZERO_HASH;
    let expectedSeq = 1;
    let count = 0;
    for (const raw of this.db.prepare('SELECT * FROM audit_events ORDER BY seq').iterate()) {
      const e = camel<AuditEvent>(raw as never)!;
      if (e.seq !== expectedSeq) return { ok: false, seq: e.seq, reason: 'a gap in the sequence' };
      if (!Buffer.from(e.prevHash).equals(Buffer.from(prev))) {
        return { ok: false, seq: e.seq, reason: 'its link to the previous event is broken' };
      }
      if (!Buffer.from(auditHash(e)).equals(Buffer.from(e.hash))) {
        return { ok: false, seq: e.seq, reason: 'its contents were changed' };
      }
      prev = e.hash;
      expectedSeq++;
      count++;
    }
    return { ok: true, count };
  }
}
