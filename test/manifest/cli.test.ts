import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { writeExport } from '../../src/manifest/export.ts';
import { manifestInput, realDevices, testSigner } from './fixture.ts';

const signer = testSigner(4);
let dir: string;
let manifest: string;
let pem: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ztp-manifest-cli-'));
  await writeExport(path.join(dir, 'out'), manifestInput(realDevices(3), signer.thumbprint), {
    signer,
  });
  manifest = path.join(dir, 'out', 'manifest.json');
  pem = path.join(dir, 'out', 'facility-key.pem');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ztp manifest', () => {
  it('verify exits 0 with every check, and 1 naming the failure when a byte changed', async () => {
    const ok = await runCli(['manifest', 'verify', manifest, '--key', pem]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/join proofs, credentials and self-test signatures checked/);
    expect(ok.stdout).toMatch(/result: +OK/);

    const text = await readFile(manifest, 'utf8');
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, text.replace('"signature":"', '"signature":"A').replace(/"}$/, '"}'));
    const r = await runCli(['manifest', 'verify', bad, '--key', pem, '--no-ecdaa']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/signature/);
  });

  it('verify exits 2 for a file that is not a manifest', async () => {
    const junk = path.join(dir, 'junk.json');
    await writeFile(junk, '{"hello": "world"}');
    const r = await runCli(['manifest', 'verify', junk, '--key', pem, '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { malformed: boolean; failures: { reason: string }[] };
    expect(report.malformed).toBe(true);
    expect(report.failures[0]!.reason).toMatch(/not part of a flattened JWS/);
  });

  it('prove prints an inclusion proof that verify-proof accepts, and a tampered one fails', async () => {
    const proofFile = path.join(dir, 'proof.json');
    const p = await runCli([
      'manifest',
      'prove',
      manifest,
      '--device',
      'TPM-000002',
      '--out',
      proofFile,
    ]);
    expect(p.code).toBe(0);
    const v = await runCli(['manifest', 'verify-proof', proofFile, '--key', pem]);
    expect(v.stdout).toMatch(/result: +OK/);
    expect(v.code).toBe(0);

    const proof = JSON.parse(await readFile(proofFile, 'utf8')) as { device: { slot: string } };
    proof.device.slot = 'slot-99';
    await writeFile(proofFile, JSON.stringify(proof));
    const t = await runCli(['manifest', 'verify-proof', proofFile, '--key', pem]);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/do not lead to the signed root/);

    // Not a proof at all: a malformed file (exit 2), not a failed check.
    await writeFile(proofFile, '{"hello": "world"}');
    const notProof = await runCli(['manifest', 'verify-proof', proofFile, '--key', pem]);
    expect(notProof.code).toBe(2);
    expect(notProof.stdout).toMatch(/not an inclusion proof/);

    const missing = await runCli(['manifest', 'prove', manifest, '--device', 'NOPE']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/device NOPE is not among the 3 provisioned devices/);
  });
});
