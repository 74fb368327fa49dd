import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/store/keyring.ts';
import { Store } from '../../src/store/store.ts';
import {
  activeFacilityKey,
  createFacilityKey,
  facilityKeyHistory,
  FacilityKeyError,
  openFacilitySigner,
  parseFacilityPublicKey,
} from '../../src/manifest/facility-key.ts';
import { es256VerifyDigest } from '../../src/manifest/jws.ts';

// The facility key on the real SQLite store and keyring (a cheap scrypt cost for speed).
const FAST_KDF = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
let store: Store;
let keyring: Keyring;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ztp-fkey-'));
  store = Store.open(dir);
  keyring = (await Keyring.create('correct horse battery staple', FAST_KDF)).keyring;
});
afterAll(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('facility key', () => {
  it('says how to create one when there is none', () => {
    expect(() => activeFacilityKey(store)).toThrow(/ztp facility-key create/);
  });

  it('is stored sealed, opens to a signer, and rotates keeping the old public key', () => {
    const first = createFacilityKey(store, keyring);
    const record = activeFacilityKey(store);
    expect(record.thumbprint).toBe(first.key.thumbprint);
    // The private scalar never sits in the row in clear.
    const signer = openFacilitySigner(record, keyring);
    const digest = new Uint8Array(32).fill(9);
    const sig = signer.sign(digest);
    expect(es256VerifyDigest(first.key.point, digest, sig)).toBe(true);
    signer.wipe();
    expect(() => signer.sign(digest)).toThrow(FacilityKeyError);

    const second = createFacilityKey(store, keyring);
    expect(second.retired).toEqual([first.key.thumbprint]);
    expect(activeFacilityKey(store).thumbprint).toBe(second.key.thumbprint);
    const history = facilityKeyHistory(store);
    expect(history.map((k) => [k.thumbprint, k.retiredAt !== null])).toEqual([
      [first.key.thumbprint, true],
      [second.key.thumbprint, false],
    ]);
  });

  it('will not open a sealed key under another key context', () => {
    const record = activeFacilityKey(store);
    const swapped = { ...record, thumbprint: facilityKeyHistory(store)[0]!.thumbprint };
    expect(() => openFacilitySigner(swapped, keyring)).toThrow();
  });

  it('reads public keys from PEM, JWK and JWK Set, and rejects other curves', () => {
    expect(() => parseFacilityPublicKey('{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}')).toThrow(
      /not an EC P-256 public key/,
    );
    expect(() => parseFacilityPublicKey('hello')).toThrow(/neither a PEM public key nor a JWK/);
  });
});
