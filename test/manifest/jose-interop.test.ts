import {
  type FlattenedJWS,
  compactVerify,
  calculateJwkThumbprint,
  flattenedVerify,
  importJWK,
  importSPKI,
} from 'jose';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExport } from '../../src/manifest/export.ts';
import {
  facilityPublicKeyFromPoint,
  parseFacilityPublicKey,
  publicKeyToPem,
} from '../../src/manifest/facility-key.ts';
import { manifestInput, realDevices, testSigner } from './fixture.ts';

// The receiving side needs nothing of ours: a standard JOSE library (jose) verifies the
// manifest with the exported PEM or JWK alone.

const signer = testSigner(3);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ztp-jose-'));
  await writeExport(dir, manifestInput(realDevices(2), signer.thumbprint), { signer });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('interoperability with jose', () => {
  it('verifies manifest.json as a flattened JWS with facility-key.pem', async () => {
    const jws = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as FlattenedJWS;
    const key = await importSPKI(
      await readFile(path.join(dir, 'facility-key.pem'), 'utf8'),
      'ES256',
    );
    const { payload, protectedHeader } = await flattenedVerify(jws, key, {
      algorithms: ['ES256'],
    });
    expect(protectedHeader?.kid).toBe(signer.thumbprint);
    expect(protectedHeader?.typ).toBe('ztp-batch-manifest+jws');
    const manifest = JSON.parse(new TextDecoder().decode(payload)) as {
      counts: { provisioned: number };
    };
    expect(manifest.counts.provisioned).toBe(2);
  });

  it('verifies it with facility-key.jwk too, and rejects a modified payload', async () => {
    const jwk = JSON.parse(await readFile(path.join(dir, 'facility-key.jwk'), 'utf8')) as never;
    const key = await importJWK(jwk, 'ES256');
    const jws = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      payload: string;
    };
    await expect(flattenedVerify(jws as never, key)).resolves.toBeTruthy();
    const text = Buffer.from(jws.payload, 'base64url')
      .toString()
      .replace('"sensor-x"', '"sensor-y"');
    await expect(
      flattenedVerify({ ...jws, payload: Buffer.from(text).toString('base64url') } as never, key),
    ).rejects.toThrow(/signature verification failed/);
  });

  it('verifies the Merkle tree head as a compact JWS', async () => {
    const jws = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      payload: string;
    };
    const manifest = JSON.parse(Buffer.from(jws.payload, 'base64url').toString()) as {
      merkle: { treeHead: string; root: string };
    };
    const key = await importSPKI(
      publicKeyToPem(facilityPublicKeyFromPoint(signer.publicKey)),
      'ES256',
    );
    const { payload } = await compactVerify(manifest.merkle.treeHead, key);
    expect((JSON.parse(new TextDecoder().decode(payload)) as { root: string }).root).toBe(
      manifest.merkle.root,
    );
  });

  it('computes the RFC 7638 thumbprint as jose does, and PEM as OpenSSL reads it', async () => {
    const pub = facilityPublicKeyFromPoint(signer.publicKey);
    expect(await calculateJwkThumbprint(pub.jwk, 'sha256')).toBe(pub.thumbprint);
    const exported = createPublicKey(publicKeyToPem(pub)).export({ format: 'jwk' });
    expect(exported).toEqual(pub.jwk);
    expect(parseFacilityPublicKey(publicKeyToPem(pub)).thumbprint).toBe(pub.thumbprint);
    expect(
      parseFacilityPublicKey(JSON.stringify({ keys: [pub.jwk] }), pub.thumbprint).point,
    ).toEqual(pub.point);
  });
});
