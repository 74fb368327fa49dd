import { readFile, writeFile } from 'node:fs/promises';
import { EXIT, parseCommandArgs, requireOption, UsageError, type CliIO } from '../args.ts';
import { parseFacilityPublicKey, type FacilityPublicKey } from '../../manifest/facility-key.ts';
import { proveDevice, verifyInclusionProof } from '../../manifest/proof.ts';
import { ManifestFormatError } from '../../manifest/reader.ts';
import { verifyManifestFile, type VerifyReport } from '../../manifest/verify.ts';
import { CryptoPool } from '../../crypto/pool.ts';
import { exportBatchTo } from '../../engine/export.ts';
import { WORKSTATION_OPTIONS, operatorOf, printResult, unlockedWorkstation } from '../common.ts';

const USAGE = [
  'ztp manifest export --batch ID --to FOLDER|DRIVE --operator NAME [--no-labels] [--no-ecdaa] [--data-dir DIR] [--json]',
  '       ztp manifest verify FILE [--key PEM_OR_JWK] [--no-ecdaa] [--max-bytes N] [--json]',
  '       ztp manifest prove FILE --device ID [--out PROOF]',
  '       ztp manifest verify-proof PROOF --key PEM_OR_JWK [--json]',
].join('\n');

async function readKey(file: string): Promise<FacilityPublicKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the key file ${file}: ${(e as Error).message}`);
  }
  try {
    return parseFacilityPublicKey(text);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
}

function printReport(io: CliIO, r: VerifyReport): void {
  io.out(`manifest:   ${r.file} (${r.bytes} bytes)`);
  if (r.batch)
    io.out(`batch:      ${r.batch.id} "${r.batch.name}" (${r.batch.product}), ${r.batch.status}`);
  if (r.kid) io.out(`signed by:  facility key ${r.kid}`);
  if (r.keySource === 'beside-manifest') {
    io.out(
      '            (key taken from facility-key.pem beside the manifest: compare the thumbprint above with the one the facility gave you)',
    );
  }
  const s = r.counts.stated;
  io.out(
    `devices:    ${r.counts.provisioned} provisioned, ${r.counts.rejected} not provisioned` +
      (s ? ` (manifest states ${s.provisioned} / ${s.rejected})` : ''),
  );
  if (r.merkleRoot) io.out(`merkle:     ${r.merkleRoot}`);
  io.out(
    `ecdaa:      ${r.ecdaaChecked ? 'join proofs, credentials and self-test signatures checked' : 'not checked (--no-ecdaa)'}`,
  );
  io.out(`time:       ${r.seconds.toFixed(2)} s`);
  if (r.ok) {
    io.out('result:     OK, every check holds');
    return;
  }
  io.out(
    `result:     FAILED, ${r.failureCount} problem(s)${r.failureCount > r.failures.length ? `, first ${r.failures.length} shown` : ''}`,
  );
  for (const f of r.failures) {
    io.out(`  - ${f.device ? `device ${f.device}, ` : ''}${f.field}: ${f.reason}`);
  }
}

async function verify(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      key: { type: 'string' },
      'no-ecdaa': { type: 'boolean' },
      'max-bytes': { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
    { positionals: 1 },
  );
  const file = positionals[0];
  if (!file) throw new UsageError('name the manifest file', USAGE);
  const maxBytes = values['max-bytes'] === undefined ? undefined : Number(values['max-bytes']);
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new UsageError('--max-bytes takes a positive whole number', USAGE);
  }
  const key = values.key ? await readKey(values.key) : undefined;
  const report = await verifyManifestFile(file, {
    key,
    skipEcdaa: values['no-ecdaa'],
    maxBytes,
  });
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else printReport(io, report);
  if (report.ok) return EXIT.OK;
  return report.malformed ? EXIT.USAGE : EXIT.FAILED;
}

async function prove(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { device: { type: 'string' }, out: { type: 'string' }, 'max-bytes': { type: 'string' } },
    USAGE,
    { positionals: 1 },
  );
  const file = positionals[0];
  if (!file) throw new UsageError('name the manifest file', USAGE);
  const device = requireOption(values.device, 'device', USAGE);
  const proof = await proveDevice(file, device, {
    maxBytes: values['max-bytes'] ? Number(values['max-bytes']) : undefined,
  });
  const text = JSON.stringify(proof, null, 2) + '\n';
  if (values.out) {
    await writeFile(values.out, text);
    io.err(
      `inclusion proof of ${device} (leaf ${proof.leafIndex} of ${proof.treeSize}) written to ${values.out}`,
    );
  } else {
    io.out(text.trimEnd());
  }
  return EXIT.OK;
}

async function verifyProof(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { key: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
    { positionals: 1 },
  );
  const file = positionals[0];
  if (!file) throw new UsageError('name the proof file', USAGE);
  const key = await readKey(requireOption(values.key, 'key', USAGE));
  let text: Uint8Array;
  try {
    text = await readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const r = verifyInclusionProof(text, key);
  if (values.json) {
    io.out(JSON.stringify(r, null, 2));
  } else {
    io.out(`device:    ${r.deviceId ?? '?'}`);
    io.out(`batch:     ${r.batch ?? '?'}`);
    io.out(`root:      ${r.root ?? '?'}`);
    io.out(`signed by: ${r.kid ?? '?'}`);
    if (r.ok) io.out('result:    OK, the device is in the batch manifest signed by this key');
    else {
      io.out('result:    FAILED');
      for (const f of r.failures) io.out(`  - ${f.field}: ${f.reason}`);
    }
  }
  return r.ok ? EXIT.OK : r.malformed ? EXIT.USAGE : EXIT.FAILED;
}

async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      ...WORKSTATION_OPTIONS,
      batch: { type: 'string' },
      to: { type: 'string' },
      'no-labels': { type: 'boolean' },
      'no-ecdaa': { type: 'boolean' },
    },
    USAGE,
  );
  const batchId = requireOption(values.batch, 'batch', USAGE);
  const to = requireOption(values.to, 'to', USAGE);
  const operator = operatorOf(values, USAGE);
  const ws = await unlockedWorkstation(values);
  const pool = values['no-ecdaa'] ? undefined : new CryptoPool();
  try {
    const result = await exportBatchTo(ws, operator, batchId, to, {
      labels: !values['no-labels'],
      pool,
    });
    printResult(io, values.json, result, () => [
      `Exported batch ${result.batchId} to ${result.folder}${result.drive ? ` (drive ${result.drive})` : ''}`,
      ...result.files.map(
        (f) => `  ${f.name.padEnd(20)} ${String(f.bytes).padStart(10)} B  sha256 ${f.sha256}`,
      ),
      `  ${result.counts.provisioned} provisioned, ${result.counts.rejected} not provisioned; Merkle root ${result.merkleRoot}`,
      `  read back and verified: ${result.verified ? 'OK' : 'FAILED'}${result.ecdaaChecked ? ' (with every ECDAA check)' : ''}`,
    ]);
    return result.verified ? EXIT.OK : EXIT.FAILED;
  } finally {
    await pool?.close();
    ws.close();
  }
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'export':
        return await exportCommand(rest, io);
      case 'verify':
        return await verify(rest, io);
      case 'prove':
        return await prove(rest, io);
      case 'verify-proof':
        return await verifyProof(rest, io);
      case undefined:
      case '--help':
      case '-h':
        io.out(`usage: ${USAGE}`);
        return sub === undefined ? EXIT.USAGE : EXIT.OK;
      default:
        throw new UsageError(`unknown subcommand '${sub}'`, USAGE);
    }
  } catch (e) {
    if (e instanceof ManifestFormatError) {
      io.err(`ztp manifest: ${e.message}`);
      return EXIT.USAGE;
    }
    throw e;
  }
}
