/**
 * Numbered migrations: migration i (1-based) brings `user_version` from i − 1 to i, each in
 * its own transaction. Never edit a released migration; add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the first schema
  `
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE operators (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'auditor')),
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE facility_keys (
    thumbprint TEXT PRIMARY KEY,
    public_jwk TEXT NOT NULL,
    private_sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
  ) STRICT;

  CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    product TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    basename BLOB NOT NULL,
    profile TEXT NOT NULL,
    ek_policy TEXT NOT NULL CHECK (ek_policy IN ('require', 'warn', 'off')),
    root_cert BLOB,
    target_count INTEGER,
    ipk BLOB NOT NULL CHECK (length(ipk) = 354),
    gpk BLOB NOT NULL CHECK (length(gpk) = 258),
    isk_sealed BLOB,
    isk_destroyed_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'exported')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    exported_at TEXT
  ) STRICT;

  CREATE TABLE devices (
    row_id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    device_id TEXT NOT NULL CHECK (length(device_id) = 64),
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'provisioned', 'failed', 'rolled_back', 'set_aside')),
    step TEXT NOT NULL,
    slot TEXT NOT NULL,
    tpm_name TEXT NOT NULL,
    identity TEXT NOT NULL,
    member_pk BLOB,
    nonce BLOB,
    credential BLOB,
    credential_signature BLOB,
    ek_binding TEXT,
    selftest_message BLOB,
    selftest_signature BLOB,
    failure TEXT,
    operator TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
  ) STRICT;
  CREATE INDEX devices_batch ON devices (batch_id, status);
  CREATE INDEX devices_device ON devices (device_id);
  -- A TPM is counted once: at most one live record (in progress or provisioned) per EK.
  CREATE UNIQUE INDEX devices_one_live ON devices (device_id)
    WHERE status IN ('in_progress', 'provisioned');

  CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    device_row INTEGER NOT NULL REFERENCES devices(row_id),
    step TEXT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('begin', 'end', 'error')),
    data TEXT NOT NULL DEFAULT '{}',
    at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX journal_device ON journal (device_row, id);

  CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    batch_id TEXT,
    device_id TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
  ) STRICT;
  CREATE INDEX audit_batch ON audit_events (batch_id, seq);
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
  `,
  // 2: a supervisor's decision to set a device aside: JSON { reason, by, at }
  `
  ALTER TABLE devices ADD COLUMN set_aside TEXT;
  `,
];
