import { readFileSync } from 'node:fs';
import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import {
  WORKSTATION_OPTIONS,
  hex,
  openWorkstation,
  operatorOf,
  printResult,
  table,
  unlockedWorkstation,
} from '../common.ts';
import { closeBatch, createBatch, requireBatch } from '../../engine/batches.ts';
import { batchSummary } from '../../engine/views.ts';
import { CryptoPool } from '../../crypto/pool.ts';
import type { EkPolicy } from '../../store/store.ts';
import { PROFILES } from '../../engine/profiles.ts';

const EK_POLICIES: readonly string[] = ['require', 'warn', 'off'] satisfies EkPolicy[];

const USAGE = {
  create:
    'ztp batch create --name NAME --operator NAME [--product P] [--notes TEXT] ' +
    '[--basename TEXT | --basename-file FILE] [--profile xtt-platform|owner] ' +
    '[--ek-policy require|warn|off] [--root-id HEX32 --root-pubkey FILE] [--target N] [--json]',
  list: 'ztp batch list [--json]',
  show: 'ztp batch show ID [--json]',
  close: 'ztp batch close ID --operator NAME [--destroy-issuer-key] [--json]',
};
const ALL = `ztp batch create|list|show|close …\n${Object.values(USAGE).join('\n')}`;

function readFileArg(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read the ${what} file: ${(e as Error).message}`);
  }
}

/** A P-256 public key from a PEM SubjectPublicKeyInfo or 65 raw bytes. */
function readP256PublicKey(file: string): Uint8Array {
  const raw = readFileArg(file, 'root public key');
  const text = Buffer.from(raw).toString('latin1');
  if (text.includes('-----BEGIN PUBLIC KEY-----')) {
    const der = Buffer.from(text.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // P-256 SPKI: 26-byte prefix, then the 65-byte uncompressed point.
    if (der.length !== 91) throw new UsageError('the root public key PEM is not a P-256 key');
    return new Uint8Array(der.subarray(26));
  }
  return raw;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create':
      return create(rest, io);
    case 'list':
      return list(rest, io);
    case 'show':
      return show(rest, io);
    case 'close':
      return close(rest, io);
    default:
      throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand', ALL);
  }
}

async function create(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      ...WORKSTATION_OPTIONS,
      name: { type: 'string' },
      product: { type: 'string' },
      notes: { type: 'string' },
      basename: { type: 'string' },
      'basename-file': { type: 'string' },
      profile: { type: 'string' },
      'ek-policy': { type: 'string' },
      'root-id': { type: 'string' },
      'root-pubkey': { type: 'string' },
      target: { type: 'string' },
    },
    USAGE.create,
  );
  if (!values.name) throw new UsageError('missing --name', USAGE.create);
  const operator = operatorOf(values, USAGE.create);
  if (values.basename !== undefined && values['basename-file'] !== undefined) {
    throw new UsageError('give --basename or --basename-file, not both', USAGE.create);
  }
  const basename =
    values['basename-file'] !== undefined
      ? readFileArg(values['basename-file'], 'basename')
      : values.basename !== undefined
        ? new TextEncoder().encode(values.basename)
        : undefined;
  let root: { id: Uint8Array; publicKey: Uint8Array } | undefined;
  if (values['root-id'] !== undefined || values['root-pubkey'] !== undefined) {
    if (!values['root-id'] || !values['root-pubkey']) {
      throw new UsageError('--root-id and --root-pubkey go together', USAGE.create);
    }
    if (!/^[0-9a-fA-F]{32}$/.test(values['root-id'])) {
      throw new UsageError('--root-id must be 32 hex digits (16 bytes)', USAGE.create);
    }
    root = {
      id: new Uint8Array(Buffer.from(values['root-id'], 'hex')),
      publicKey: readP256PublicKey(values['root-pubkey']),
    };
  }
  let targetCount: number | undefined;
  if (values.target !== undefined) {
    targetCount = Number(values.target);
    if (!Number.isInteger(targetCount) || targetCount < 1) {
      throw new UsageError('--target must be a whole number ≥ 1', USAGE.create);
    }
  }
  if (values.profile !== undefined && !Object.hasOwn(PROFILES, values.profile)) {
    throw new UsageError(
      `unknown layout profile '${values.profile}': use ${Object.keys(PROFILES).join(' or ')}`,
      USAGE.create,
    );
  }
  if (values['ek-policy'] !== undefined && !EK_POLICIES.includes(values['ek-policy'])) {
    throw new UsageError(
      `unknown EK certificate policy '${values['ek-policy']}': use require, warn or off`,
      USAGE.create,
    );
  }
  const ws = await unlockedWorkstation(values);
  const pool = new CryptoPool(1);
  try {
    const b = await createBatch(ws, pool, operator, {
      name: values.name,
      product: values.product,
      notes: values.notes,
      basename,
      profile: values.profile,
      ekPolicy: values['ek-policy'] as EkPolicy | undefined,
      root,
      targetCount,
    });
    const summary = batchSummary(ws, b);
    printResult(io, values.json, summary, () => [
      `Batch created: ${b.name}`,
      `  id:        ${b.id}`,
      `  profile:   ${b.profile}, EK certificates: ${b.ekPolicy}`,
      `  basename:  ${hex(b.basename)} (${b.basename.length} bytes)`,
      `  GPK:       ${summary.gpkFingerprint} (first 8 bytes of SHA-256; printed on the label)`,
    ]);
    return EXIT.OK;
  } finally {
    await pool.close();
    ws.close();
  }
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(argv, WORKSTATION_OPTIONS, USAGE.list);
  const ws = openWorkstation(values);
  try {
    const batches = ws.store.listBatches().map((b) => batchSummary(ws, b));
    printResult(io, values.json, batches, () =>
      batches.length === 0
        ? ['No batches yet: create one with ztp batch create.']
        : table([
            ['ID', 'NAME', 'STATUS', 'PROVISIONED', 'FAILED', 'TARGET', 'CREATED'],
            ...batches.map((b) => [
              b.id.slice(0, 8),
              b.name,
              b.status,
              String(b.counts.provisioned),
              String(b.counts.failed),
              b.targetCount === null ? '-' : String(b.targetCount),
              b.createdAt.slice(0, 16).replace('T', ' '),
            ]),
          ]),
    );
    return EXIT.OK;
  } finally {
    ws.close();
  }
}

async function show(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, WORKSTATION_OPTIONS, USAGE.show, {
    positionals: 1,
  });
  if (!positionals[0]) throw new UsageError('missing batch ID', USAGE.show);
  const ws = openWorkstation(values);
  try {
    const s = batchSummary(ws, requireBatch(ws, positionals[0]));
    printResult(io, values.json, s, () => [
      `${s.name}  (${s.status})`,
      `  id:           ${s.id}`,
      `  product:      ${s.product || '-'}`,
      `  profile:      ${s.profile}, EK certificates: ${s.ekPolicy}`,
      `  basename:     ${s.basename}`,
      `  GPK:          ${s.gpkFingerprint}`,
      `  gid:          ${s.gid}`,
      `  devices:      ${s.counts.provisioned} provisioned, ${s.counts.failed} failed, ${s.counts.in_progress} in progress` +
        (s.targetCount ? ` (target ${s.targetCount})` : ''),
      `  created:      ${s.createdAt} by ${s.createdBy}`,
      ...(s.closedAt ? [`  closed:       ${s.closedAt} by ${s.closedBy}`] : []),
      ...(s.issuerKeyDestroyedAt ? [`  issuer key destroyed: ${s.issuerKeyDestroyedAt}`] : []),
    ]);
    return EXIT.OK;
  } finally {
    ws.close();
  }
}

async function close(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...WORKSTATION_OPTIONS, 'destroy-issuer-key': { type: 'boolean' } },
    USAGE.close,
    { positionals: 1 },
  );
  if (!positionals[0]) throw new UsageError('missing batch ID', USAGE.close);
  const operator = operatorOf(values, USAGE.close);
  const ws = openWorkstation(values);
  try {
    const b = closeBatch(ws, operator, positionals[0], {
      destroyIssuerKey: values['destroy-issuer-key'] ?? false,
    });
    printResult(io, values.json, batchSummary(ws, b), () => [
      `Batch ${b.name} closed${b.iskDestroyedAt ? '; its issuer secret key was destroyed' : ''}.`,
    ]);
    return EXIT.OK;
  } finally {
    ws.close();
  }
}
