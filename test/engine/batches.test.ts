import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { verifyIssuerPublicKeyBytes } from '../../src/crypto/ecdaa.ts';
import {
  closeBatch,
  createBatch,
  openIssuerSecret,
  BatchStateError,
} from '../../src/engine/batches.ts';
import { PermissionError, Workstation } from '../../src/engine/workstation.ts';
import { WrongPassphraseError } from '../../src/store/keyring.ts';

const FAST_KDF = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
let pool: CryptoPool;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ztp-batches-'));
  pool = new CryptoPool(1);
});
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('batches', () => {
  it('creates a batch with a valid issuer key whose secret is sealed at rest', async () => {
    const ws = Workstation.open(path.join(dir, 'a'));
    await ws.init('passphrase one', 'sam', FAST_KDF);
    const b = await createBatch(ws, pool, 'sam', { name: 'Lot 42', product: 'sensor' });
    expect(b.status).toBe('open');
    expect(b.basename.length).toBe(32);
    expect(verifyIssuerPublicKeyBytes(b.ipk)).toBe(true);
    expect(Buffer.from(b.gpk).equals(Buffer.from(b.ipk.subarray(0, 258)))).toBe(true);
    const isk = openIssuerSecret(ws, b);
    expect(isk.length).toBe(64);
    // The plaintext secret appears nowhere in the database file's rows.
    const raw = ws.store.db.prepare('SELECT isk_sealed FROM batches').get() as {
      isk_sealed: Buffer;
    };
    expect(raw.isk_sealed.includes(Buffer.from(isk))).toBe(false);
    expect(ws.store.listAudit().map((e) => e.action)).toEqual(['workstation.init', 'batch.create']);
    ws.close();

    const again = Workstation.open(path.join(dir, 'a'));
    await expect(again.unlock('passphrase two')).rejects.toThrow(WrongPassphraseError);
    await again.unlock('passphrase one');
    expect(openIssuerSecret(again, again.store.getBatch(b.id)!)).toEqual(isk);
    again.close();
  });

  it('enforces roles and the batch lifecycle', async () => {
    const ws = Workstation.open(path.join(dir, 'b'));
    await ws.init('passphrase one', 'sam', FAST_KDF);
    ws.addOperator('sam', 'olga', 'operator');
    await expect(createBatch(ws, pool, 'olga', { name: 'x' })).rejects.toThrow(PermissionError);
    await expect(createBatch(ws, pool, 'nobody', { name: 'x' })).rejects.toThrow(
      /Unknown operator/,
    );
    await expect(
      createBatch(ws, pool, 'sam', { name: 'x', basename: new Uint8Array(1025) }),
    ).rejects.toThrow(/1 to 1024 bytes/);
    await expect(createBatch(ws, pool, 'sam', { name: 'x', profile: 'nope' })).rejects.toThrow(
      /Unknown layout profile/,
    );
    const b = await createBatch(ws, pool, 'sam', { name: 'Lot 7' });
    expect(() => closeBatch(ws, 'olga', b.id)).toThrow(PermissionError);
    const closed = closeBatch(ws, 'sam', b.id, { destroyIssuerKey: true });
    expect(closed.status).toBe('closed');
    expect(closed.iskSealed).toBeNull();
    expect(closed.iskDestroyedAt).not.toBeNull();
    expect(() => openIssuerSecret(ws, closed)).toThrow(BatchStateError);
    expect(() => closeBatch(ws, 'sam', b.id)).toThrow(/already closed/);
    expect(ws.store.verifyAuditChain().ok).toBe(true);
    ws.close();
  });

  it('rejects a root certificate whose key is not on P-256', async () => {
    const ws = Workstation.open(path.join(dir, 'c'));
    await ws.init('passphrase one', 'sam', FAST_KDF);
    const bad = new Uint8Array(65);
    bad[0] = 4;
    await expect(
      createBatch(ws, pool, 'sam', { name: 'x', root: { id: new Uint8Array(16), publicKey: bad } }),
    ).rejects.toThrow(/not a point on P-256/);
    ws.close();
  });
});
