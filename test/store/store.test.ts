import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { Store, StoreOpenError, StoreVersionError } from '../../src/store/store.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ztp-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function batch(id: string) {
  return {
    id,
    name: 'Batch ' + id,
    product: 'sensor',
    notes: '',
    basename: new Uint8Array(32).fill(1),
    profile: 'xtt-platform',
    ekPolicy: 'warn' as const,
    rootCert: null,
    targetCount: 16,
    ipk: new Uint8Array(354),
    gpk: new Uint8Array(258),
    iskSealed: Uint8Array.of(1, 2, 3),
    status: 'open' as const,
    createdAt: new Date().toISOString(),
    createdBy: 'alice',
  };
}

describe('Store migrations', () => {
  it('migration 1 creates STRICT tables, WAL and foreign keys, and records user_version', () => {
    const store = Store.open(dir);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    const tables = store.db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
      .all() as { name: string; sql: string }[];
    for (const t of tables) expect(t.sql, t.name).toMatch(/STRICT\s*$/);
    expect(() =>
      store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', x'00')").run(),
    ).toThrow(/cannot store BLOB value in TEXT column/);
    store.close();
    // Opening again applies nothing and keeps the data.
    const again = Store.open(dir);
    expect(again.schemaVersion).toBe(MIGRATIONS.length);
    again.close();
  });

  it('migration 2 adds set_aside to the devices of a schema-1 database, keeping its rows', () => {
    const raw = new Database(path.join(dir, 'ztp.db'));
    raw.exec(MIGRATIONS[0]!);
    raw.pragma('user_version = 1');
    raw.close();
    const store = Store.open(dir);
    store.insertBatch(batch('b1'));
    const row = store.insertDevice({
      batchId: 'b1',
      deviceId: 'ee'.repeat(32),
      step: 'key',
      slot: '0',
      tpmName: 't',
      identity: '{}',
      operator: 'alice',
    });
    expect(store.getDevice(row)?.setAside).toBeNull();
    store.updateDevice(row, { status: 'set_aside', setAside: '{"reason":"lost"}' });
    expect(store.getDevice(row)).toMatchObject({
      status: 'set_aside',
      setAside: '{"reason":"lost"}',
    });
    expect(store.schemaVersion).toBe(2);
    store.close();
  });

  it('refuses a database from a newer version without changing it', () => {
    Store.open(dir).close();
    const raw = new Database(path.join(dir, 'ztp.db'));
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => Store.open(dir)).toThrow(StoreVersionError);
    const check = new Database(path.join(dir, 'ztp.db'));
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    check.close();
  });

  it('refuses a file that is not a database with a clear error', () => {
    writeFileSync(path.join(dir, 'ztp.db'), 'this is not a database at all, just text'.repeat(100));
    expect(() => Store.open(dir)).toThrow(StoreOpenError);
    expect(() => Store.open(dir)).toThrow(/restore it from a backup/);
  });
});

describe('Store records', () => {
  it('finds batches by unique prefix and counts devices by status', () => {
    const store = Store.open(dir);
    store.insertBatch(batch('b-aaaa-1111'));
    store.insertBatch(batch('b-aaaa-2222'));
    expect(store.findBatch('b-aaaa-1')?.id).toBe('b-aaaa-1111');
    expect(store.findBatch('b-aaaa')).toBeUndefined();
    const row = store.insertDevice({
      batchId: 'b-aaaa-1111',
      deviceId: 'ab'.repeat(32),
      step: 'identify',
      slot: '0',
      tpmName: 'swtpm:unix:/x',
      identity: '{}',
      operator: 'alice',
    });
    store.updateDevice(row, { status: 'provisioned', step: 'done' });
    expect(store.batchCounts('b-aaaa-1111').provisioned).toBe(1);
    store.close();
  });

  it('counts a TPM once: a failed attempt tried again later in the batch is superseded', () => {
    const store = Store.open(dir);
    store.insertBatch(batch('b1'));
    store.insertBatch(batch('b2'));
    const attempt = (batchId: string, deviceId: string, status: 'failed' | 'provisioned') => {
      const row = store.insertDevice({
        batchId,
        deviceId,
        step: 'identify',
        slot: '0',
        tpmName: 't',
        identity: '{}',
        operator: 'alice',
      });
      store.updateDevice(row, { status, step: status === 'failed' ? 'key' : 'done' });
      return row;
    };
    const [a, b, c] = ['aa', 'bb', 'cc'].map((x) => x.repeat(32)) as [string, string, string];
    // a: refused once (a foreign NV index), then provisioned with --force.
    const aFailed = attempt('b1', a, 'failed');
    attempt('b1', a, 'provisioned');
    // b: failed twice and never provisioned: one failed TPM, the latest attempt.
    const bFirst = attempt('b1', b, 'failed');
    const bLast = attempt('b1', b, 'failed');
    // c: failed here, provisioned in another batch: still failed in this one.
    const cFailed = attempt('b1', c, 'failed');
    attempt('b2', c, 'provisioned');
    expect(store.batchCounts('b1')).toMatchObject({ provisioned: 1, failed: 2 });
    expect(store.batchCounts('b2')).toMatchObject({ provisioned: 1, failed: 0 });
    expect([...store.iterateRejected('b1')].map((d) => d.rowId)).toEqual([bLast, cFailed]);
    expect(store.supersededRows('b1')).toEqual(new Set([aFailed, bFirst]));
    // The history stays.
    expect(store.listDevices('b1')).toHaveLength(5);
    store.close();
  });

  it('gives first and last device times and the actors of a batch by SQL aggregates', () => {
    const store = Store.open(dir);
    store.insertBatch(batch('b1'));
    expect(store.deviceTimes('b1')).toEqual({ first: null, last: null });
    for (const [i, id] of ['11', '22', '33'].entries()) {
      const row = store.insertDevice({
        batchId: 'b1',
        deviceId: id.repeat(32),
        step: 'identify',
        slot: '0',
        tpmName: 't',
        identity: '{}',
        operator: 'alice',
      });
      store.db
        .prepare('UPDATE devices SET started_at = ?, finished_at = ? WHERE row_id = ?')
        .run(`2025-01-0${3 - i}T00:00:00Z`, i === 2 ? null : `2025-02-0${i + 1}T00:00:00Z`, row);
    }
    expect(store.deviceTimes('b1')).toEqual({
      first: '2025-01-01T00:00:00Z',
      last: '2025-02-02T00:00:00Z',
    });
    for (const actor of ['sam', 'olga', 'sam']) store.audit({ actor, action: 'x', batchId: 'b1' });
    store.audit({ actor: 'eve', action: 'x', batchId: 'other' });
    expect(store.auditActors('b1')).toEqual(['olga', 'sam']);
    store.audit({ actor: 'sam', action: 'label.printed', batchId: 'b1' });
    store.audit({ actor: 'sam', action: 'label.printed', batchId: 'other' });
    store.audit({ actor: 'ada', action: 'label.reprinted', batchId: 'b1' });
    const prints = store.listAuditActions('b1', ['label.printed', 'label.reprinted']);
    expect(prints.map((e) => [e.actor, e.action])).toEqual([
      ['sam', 'label.printed'],
      ['ada', 'label.reprinted'],
    ]);
    expect(store.listAuditActions('b1', [])).toEqual([]);
    store.close();
  });

  it('keeps at most one live record per TPM', () => {
    const store = Store.open(dir);
    store.insertBatch(batch('b1'));
    const d = {
      batchId: 'b1',
      deviceId: 'cd'.repeat(32),
      step: 'identify',
      slot: '0',
      tpmName: 't',
      identity: '{}',
      operator: 'alice',
    };
    const first = store.insertDevice(d);
    expect(() => store.insertDevice(d)).toThrow(/UNIQUE/);
    store.updateDevice(first, { status: 'failed' });
    expect(store.insertDevice(d)).toBeGreaterThan(first);
    store.close();
  });

  it('refuses devices of a batch that does not exist', () => {
    const store = Store.open(dir);
    expect(() =>
      store.insertDevice({
        batchId: 'nope',
        deviceId: 'ef'.repeat(32),
        step: 'identify',
        slot: '0',
        tpmName: 't',
        identity: '{}',
        operator: 'alice',
      }),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });
});

describe('Audit chain', () => {
  it('is append-only and detects an edited event', () => {
    const store = Store.open(dir);
    for (let i = 0; i < 5; i++) store.audit({ actor: 'alice', action: 'test', details: { i } });
    expect(store.verifyAuditChain()).toEqual({ ok: true, count: 5 });
    expect(() => store.db.prepare('UPDATE audit_events SET actor = ?').run('mallory')).toThrow(
      /append-only/,
    );
    expect(() => store.db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
    // Someone with the file bypasses the triggers: the chain shows where.
    store.db.exec('DROP TRIGGER audit_no_update');
    store.db.prepare('UPDATE audit_events SET details = \'{"i":9}\' WHERE seq = 3').run();
    expect(store.verifyAuditChain()).toEqual({
      ok: false,
      seq: 3,
      reason: 'its contents were changed',
    });
    store.close();
  });
});
