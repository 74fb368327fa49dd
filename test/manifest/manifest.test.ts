import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '../../src/crypto/pool.ts';
import { toBase64Url } from '../../src/manifest/encoding.ts';
import { MANIFEST_FILE, writeExport } from '../../src/manifest/export.ts';
import { facilityPublicKeyFromPoint } from '../../src/manifest/facility-key.ts';
import { encodeProtectedHeader, SigningInputHash } from '../../src/manifest/jws.ts';
import { ManifestInputError } from '../../src/manifest/records.ts';
import { verifyManifestFile } from '../../src/manifest/verify.ts';
import { writeManifest } from '../../src/manifest/writer.ts';
import type { ProvisionedDevice } from '../../src/manifest/types.ts';
import { manifestInput, realDevices, syntheticDevices, testSigner, vectors } from './fixture.ts';

const signer = testSigner(1);
const key = facilityPublicKeyFromPoint(signer.publicKey);
const otherKey = facilityPublicKeyFromPoint(testSigner(2).publicKey);
let dir: string;
let pool: CryptoPool;
let devices: ProvisionedDevice[];
let manifestPath: string;
let manifestText: string;

/** Signs arbitrary payload text as the facility would: for tests of signed-but-bad content. */
function resign(payload: string, header: Record<string, string> = {}): string {
  const encodedHeader = encodeProtectedHeader({
    alg: 'ES256',
    kid: signer.thumbprint,
    typ: 'ztp-batch-manifest+jws',
    ...header,
  } as never);
  const encodedPayload = toBase64Url(Buffer.from(payload, 'utf8'));
  const hash = new SigningInputHash(encodedHeader);
  hash.update(encodedPayload);
  const sig = toBase64Url(signer.sign(hash.digest()));
  return `{"payload":"${encodedPayload}","protected":"${encodedHeader}","signature":"${sig}"}`;
}

function payloadOf(text: string): string {
  const env = JSON.parse(text) as { payload: string };
  return Buffer.from(env.payload, 'base64url').toString('utf8');
}

async function verifyText(text: string | Uint8Array, options = {}) {
  const file = path.join(dir, `case-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, text);
  return verifyManifestFile(file, { key, skipEcdaa: true, ...options });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ztp-manifest-test-'));
  pool = new CryptoPool(2);
  devices = realDevices(4);
  const result = await writeExport(
    path.join(dir, 'export'),
    manifestInput(devices, signer.thumbprint),
    {
      signer,
    },
  );
  manifestPath = path.join(result.folder, MANIFEST_FILE);
  manifestText = await readFile(manifestPath, 'utf8');
});

afterAll(async () => {
  await pool?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('manifest export and verification', () => {
  it('writes every file of the export and verifies it with all ECDAA checks', async () => {
    const files = (await readFile(path.join(dir, 'export', 'SHA256SUMS'), 'utf8'))
      .trim()
      .split('\n');
    expect(files.map((l) => l.split('  ')[1])).toEqual([
      'manifest.json',
      'gpk.bin',
      'facility-key.pem',
      'facility-key.jwk',
      'README.txt',
    ]);
    expect(new Uint8Array(await readFile(path.join(dir, 'export', 'gpk.bin')))).toEqual(
      vectors.gpk,
    );
    const report = await verifyManifestFile(manifestPath, { key, pool });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.ecdaaChecked).toBe(true);
    expect(report.counts).toMatchObject({ provisioned: 4, rejected: 2 });
    expect(report.batch?.id).toBe('B-2025-0001');
  });

  it('is RFC 8785 canonical all the way down and names the facility key', () => {
    const env = JSON.parse(manifestText) as Record<string, string>;
    expect(Object.keys(env)).toEqual(['payload', 'protected', 'signature']);
    const header = JSON.parse(Buffer.from(env.protected!, 'base64url').toString()) as Record<
      string,
      string
    >;
    expect(header).toEqual({ alg: 'ES256', kid: signer.thumbprint, typ: 'ztp-batch-manifest+jws' });
    const payload = JSON.parse(payloadOf(manifestText)) as Record<string, unknown>;
    expect(Object.keys(payload)).toEqual([
      'audit',
      'batch',
      'counts',
      'format',
      'group',
      'issuedAt',
      'layout',
      'merkle',
      'operators',
      'provisioned',
      'rejected',
      'station',
    ]);
    expect(payload.format).toEqual({ name: 'ztp-batch-manifest', version: 1 });
  });

  it('reports a device whose credential, join proof or self-test signature is wrong', async () => {
    const bad = realDevices(3);
    bad[1] = { ...bad[1]!, credential: bad[2]!.credential };
    bad[2] = { ...bad[2]!, joinNonce: new TextEncoder().encode('another nonce') };
    bad[0] = {
      ...bad[0]!,
      selfTest: { ...bad[0]!.selfTest, message: new TextEncoder().encode('tampered') },
    };
    const out = path.join(dir, 'bad-devices.json');
    const chunks: string[] = [];
    await writeManifest(manifestInput(bad, signer.thumbprint), signer, {
      write: async (d) => void chunks.push(typeof d === 'string' ? d : Buffer.from(d).toString()),
    });
    await writeFile(out, chunks.join(''));
    const report = await verifyManifestFile(out, { key, pool });
    expect(report.ok).toBe(false);
    const seen = report.failures.map((f) => `${f.device}:${f.field}`).sort();
    expect(seen).toEqual([
      'TPM-000000:selfTest.signature',
      'TPM-000001:credential',
      // Device 2 now shares device 1's credential: reported as a duplicate.
      'TPM-000002:credential',
      'TPM-000002:memberPublicKey',
    ]);
    expect(report.failures.find((f) => f.field === 'memberPublicKey')?.reason).toMatch(
      /join proof/,
    );
  });

  it('detects every modified byte', async () => {
    const bytes = Buffer.from(manifestText, 'utf8');
    // Every position of the envelope's fixed parts and a spread of payload positions.
    const positions = new Set<number>();
    for (let i = 0; i < 20; i++) positions.add(i);
    for (let i = bytes.length - 200; i < bytes.length; i++) positions.add(i);
    for (let i = 0; i < 300; i++) positions.add(Math.floor((i * bytes.length) / 300));
    for (const at of positions) {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at] === 0x41 ? 0x42 : 0x41;
      const report = await verifyText(copy);
      expect(report.ok, `byte ${at} changed`).toBe(false);
    }
  });

  it('notices a re-serialized envelope (whitespace) although the signature holds', async () => {
    const pretty = JSON.stringify(JSON.parse(manifestText), null, 2);
    const report = await verifyText(pretty);
    expect(report.failures).toEqual([
      { field: 'envelope', reason: expect.stringMatching(/re-serialized/) as unknown },
    ]);
  });

  it('rejects a wrong key, and finds the right one among several', async () => {
    const wrong = await verifyManifestFile(manifestPath, { key: otherKey, skipEcdaa: true });
    expect(wrong.ok).toBe(false);
    expect(wrong.failures[0]?.reason).toMatch(/not the given key/);
    const both = await verifyManifestFile(manifestPath, { key: [otherKey, key], skipEcdaa: true });
    expect(both.ok).toBe(true);
  });

  it.each([
    ['truncated', () => manifestText.slice(0, manifestText.length - 10), /truncated/],
    ['not JSON', () => 'hello, this is not a manifest', /does not start with/],
    ['empty', () => '', /empty/],
    ['a JSON array', () => '[1,2]', /JSON array/],
    ['general JWS serialization', () => '{"payload":"e30","signatures":[]}', /general JWS/],
    [
      'an unprotected header',
      () => manifestText.replace('{"payload"', '{"header":{},"payload"'),
      /not a string/,
    ],
    [
      'a duplicate JWS member',
      () => manifestText.replace('{"payload"', '{"signature":"AA","payload"'),
      /appears twice/,
    ],
    [
      'a payload that is not base64url',
      () => manifestText.replace('"payload":"', '"payload":"*'),
      /not base64url/,
    ],
  ])('gives a clear error for %s', async (_name, make, message) => {
    const report = await verifyText(make());
    expect(report.ok).toBe(false);
    expect(report.malformed).toBe(true);
    expect(report.failures[0]?.reason).toMatch(message);
  });

  it('refuses a file larger than the limit without reading it', async () => {
    const report = await verifyManifestFile(manifestPath, { key, skipEcdaa: true, maxBytes: 1000 });
    expect(report.malformed).toBe(true);
    expect(report.failures[0]?.reason).toMatch(/more than the 1000 accepted/);
  });

  it('rejects signed payloads with duplicate keys, non-JSON or an unknown version', async () => {
    const payload = payloadOf(manifestText);
    const dup = await verifyText(resign(payload.replace('{"audit":', '{"audit":{},"audit":')));
    expect(dup.failures[0]?.reason).toMatch(/duplicate key 'audit'/);
    const notJson = await verifyText(resign('{"audit": nope}'));
    expect(notJson.failures[0]?.reason).toMatch(/not valid JSON/);
    const v2 = await verifyText(resign(payload.replace('"version":1}', '"version":2}')));
    expect(v2.malformed).toBe(true);
    expect(v2.failures[0]?.reason).toMatch(/format version 2; this verifier reads version 1/);
    const otherTyp = await verifyText(resign(payload, { typ: 'JWT' }));
    expect(otherTyp.failures[0]?.reason).toMatch(/not a ZTP batch manifest/);
  });

  it('names wrong counts, a wrong Merkle root and duplicate devices', async () => {
    const payload = payloadOf(manifestText);
    const p = JSON.parse(payload) as {
      counts: { failed: number };
      provisioned: unknown[];
      merkle: { root: string };
    };
    p.counts.failed = 5;
    p.provisioned.push(p.provisioned[0]);
    const report = await verifyText(resign(JSON.stringify(p)));
    const fields = report.failures.map((f) => `${f.device ?? ''}:${f.field}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        ':counts.failed',
        ':counts.provisioned',
        ':merkle.root',
        ':merkle.size',
        'TPM-000000:deviceId',
        'TPM-000000:memberPublicKey',
        'TPM-000000:joinNonce',
      ]),
    );
    expect(report.failures.find((f) => f.field === 'counts.failed')?.reason).toBe(
      'states 5, but the manifest lists 1',
    );
  });

  it('names a device listed as provisioned and also as failed, or as failed twice', async () => {
    const p = JSON.parse(payloadOf(manifestText)) as {
      counts: { failed: number; rejected: number };
      rejected: Record<string, unknown>[];
    };
    const failed = p.rejected.find((r) => r.outcome === 'failed')!;
    p.rejected.push({ ...failed, deviceId: 'TPM-000001' }, { ...failed });
    p.counts.failed += 2;
    p.counts.rejected += 2;
    const report = await verifyText(resign(JSON.stringify(p)));
    expect(report.failures).toEqual([
      {
        device: 'TPM-000001',
        field: 'outcome',
        reason: 'failed, but the device is also listed as provisioned',
      },
      {
        device: 'TPM-F00001',
        field: 'outcome',
        reason: 'failed, but the device is listed as rejected twice',
      },
    ]);
  });

  it('checks every device against the schema and names the field', async () => {
    const p = JSON.parse(payloadOf(manifestText)) as { provisioned: Record<string, unknown>[] };
    p.provisioned[1]!.credential = 'AAAA';
    delete p.provisioned[2]!.slot;
    const report = await verifyText(resign(JSON.stringify(p)));
    expect(report.failures).toEqual(
      expect.arrayContaining([
        {
          device: 'TPM-000001',
          field: 'credential',
          reason: 'must NOT have fewer than 347 characters',
        },
        { device: 'TPM-000002', field: 'record', reason: "must have required property 'slot'" },
      ]),
    );
  });

  it('refuses to write bad input: wrong sizes, duplicate ids, a key mismatch', async () => {
    const sink = { write: async () => {} };
    const d = realDevices(1)[0]!;
    await expect(
      writeManifest(
        manifestInput([{ ...d, credential: new Uint8Array(10) }], signer.thumbprint),
        signer,
        sink,
      ),
    ).rejects.toThrow(/device TPM-000000, credential: is 10 bytes; expected 260/);
    await expect(
      writeManifest(manifestInput([d, d], signer.thumbprint), signer, sink),
    ).rejects.toThrow(ManifestInputError);
    await expect(
      writeManifest(manifestInput([d], otherKey.thumbprint), signer, sink),
    ).rejects.toThrow(/signing key is/);
  });

  it('streams thousands of devices from an iterator and verifies them', async () => {
    const result = await writeExport(
      path.join(dir, 'big'),
      manifestInput(syntheticDevices(3000), signer.thumbprint, []),
      { signer },
    );
    expect(result.summary.counts.provisioned).toBe(3000);
    expect(result.verification.ok).toBe(true);
    expect(result.verification.counts.provisioned).toBe(3000);
  });
});
