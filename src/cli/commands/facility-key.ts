import { writeFile } from 'node:fs/promises';
import { EXIT, parseCommandArgs, UsageError, type CliIO } from '../args.ts';
import {
  WORKSTATION_OPTIONS,
  openWorkstation,
  operatorOf,
  printResult,
  table,
  unlockedWorkstation,
} from '../common.ts';
import { setUpFacilityKey } from '../../engine/facility.ts';
import {
  activeFacilityKey,
  facilityKeyHistory,
  publicKeyOfRecord,
  publicKeyToPem,
} from '../../manifest/facility-key.ts';

const USAGE = [
  'ztp facility-key create --operator NAME [--data-dir DIR] [--passphrase-file FILE] [--json]',
  '       ztp facility-key show [--data-dir DIR] [--json]',
  '       ztp facility-key export [--format pem|jwk|jwks] [--out FILE] [--data-dir DIR]',
].join('\n');

const OPTIONS = {
  ...WORKSTATION_OPTIONS,
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(`usage: ${USAGE}`);
    return sub === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const { values } = parseCommandArgs(rest, OPTIONS, USAGE);
  if (sub === 'create') {
    const operator = operatorOf(values, USAGE);
    const ws = await unlockedWorkstation(values);
    try {
      const key = await setUpFacilityKey(ws, operator);
      printResult(io, values.json, key, () => [
        `facility key created: ${key.thumbprint}`,
        ...(key.retired.length > 0
          ? [`retired (still verifies older manifests): ${key.retired.join(', ')}`]
          : []),
        'Write the thumbprint down and give it to the receiving side in writing.',
      ]);
      return EXIT.OK;
    } finally {
      ws.close();
    }
  }
  // show and export read public keys only: no passphrase needed.
  const ws = openWorkstation(values);
  try {
    if (sub === 'show') {
      const keys = facilityKeyHistory(ws.store);
      printResult(
        io,
        values.json,
        keys.map((k) => ({
          thumbprint: k.thumbprint,
          jwk: k.jwk,
          createdAt: k.createdAt,
          retiredAt: k.retiredAt,
        })),
        () =>
          keys.length === 0
            ? ['No facility key yet: create one with `ztp facility-key create`.']
            : table([
                ['THUMBPRINT (RFC 7638)', 'CREATED', 'STATUS'],
                ...keys.map((k) => [
                  k.thumbprint,
                  k.createdAt,
                  k.retiredAt ? `retired ${k.retiredAt}` : 'active',
                ]),
              ]),
      );
      return EXIT.OK;
    }
    if (sub === 'export') {
      const format = values.format ?? 'pem';
      let text: string;
      if (format === 'pem') {
        text = publicKeyToPem(publicKeyOfRecord(activeFacilityKey(ws.store)));
      } else if (format === 'jwk') {
        const key = publicKeyOfRecord(activeFacilityKey(ws.store));
        text =
          JSON.stringify({ ...key.jwk, kid: key.thumbprint, alg: 'ES256', use: 'sig' }, null, 2) +
          '\n';
      } else if (format === 'jwks') {
        // Every key, retired ones too, so a receiver can check manifests of any age.
        const keys = facilityKeyHistory(ws.store).map((k) => ({
          ...k.jwk,
          kid: k.thumbprint,
          alg: 'ES256',
          use: 'sig',
        }));
        text = JSON.stringify({ keys }, null, 2) + '\n';
      } else {
        throw new UsageError(`--format is pem, jwk or jwks, not '${format}'`, USAGE);
      }
      if (values.out) {
        await writeFile(values.out, text);
        io.err(`facility public key written to ${values.out}`);
      } else {
        io.out(text.trimEnd());
      }
      return EXIT.OK;
    }
    throw new UsageError(`unknown subcommand '${sub}'`, USAGE);
  } finally {
    ws.close();
  }
}
