import { EXIT, UsageError, parseCommandArgs, requireOption, type CliIO } from '../args.ts';
import { CliError, printResult, table } from '../common.ts';
import { TpmFormatError, TpmTransportError } from '../../tpm/errors.ts';
import { listTpmDevices } from '../../tpm/list.ts';
import { probeTpm, type TpmInfo } from '../../tpm/probe.ts';
import { DEFAULT_TIMEOUTS, openTpm } from '../../tpm/tpm.ts';
import { TpmNameError } from '../../tpm/transport/open.ts';

const USAGE = {
  info: 'ztp tpm info --tpm NAME [--json] [--no-recreate-ek] [--force-raw] [--timeout MS]',
  list: 'ztp tpm list [--json]',
};
const ALL = [
  ...Object.values(USAGE),
  '',
  'NAME: device:/dev/tpmrm0 | swtpm:tcp://HOST:PORT | swtpm:unix:/PATH (see docs/tpm.md)',
].join('\n');

function infoLines(i: TpmInfo): string[] {
  const yes = (b: boolean | null): string => (b === null ? 'unknown' : b ? 'yes' : 'no');
  const lines = [
    `TPM            ${i.tpm}`,
    `manufacturer   ${i.manufacturer} (${i.manufacturerId}${i.manufacturerName ? `, ${i.manufacturerName}` : ''})`,
    `vendor string  ${i.vendorString}`,
    `firmware       ${i.firmwareVersion} (${i.firmwareVersionRaw.join(' ')})`,
    `spec           TPM ${i.spec.family} level ${i.spec.level} revision ${i.spec.revision} (${i.spec.year}, day ${i.spec.dayOfYear})`,
    `ECDAA          ${yes(i.ecdaa)}    BN_P256: ${yes(i.bnP256)}`,
    `curves         ${i.eccCurves.join(' ')}`,
    `algorithms     ${i.algorithms.join(' ')}`,
    `NV             buffer ${i.limits.nvBufferMax} B, index max ${i.limits.nvIndexMax} B; persistent slots free ${i.limits.persistentAvailable}`,
    `hierarchies    platform ${yes(i.hierarchies.platform)}, owner ${yes(i.hierarchies.owner)}, endorsement ${yes(i.hierarchies.endorsement)}, platform NV ${yes(i.hierarchies.platformNV)}`,
    `platform auth  empty password works: ${yes(i.auth.platformEmpty)}; owner auth set: ${yes(i.auth.ownerAuthSet)}; in lockout: ${yes(i.auth.inLockout)}`,
  ];
  if (i.ek.length === 0) lines.push('EK             none found');
  for (const ek of i.ek) {
    lines.push(
      `EK             ${ek.type}${ek.template ? ` (${ek.template})` : ''} at ${ek.handle ?? 'no persistent handle (recreated)'}`,
      `               certificate: ${ek.certificate ? `NV ${ek.certificate.nvIndex}, issuer ${ek.certificate.issuer}` : 'none'}`,
    );
  }
  for (const u of i.ekCertificatesUnmatched)
    lines.push(`EK certificate NV ${u.nvIndex}: ${u.reason}`);
  for (const o of i.otherCertificates ?? []) {
    const what =
      o.kind === 'ek-chain'
        ? 'EK chain cert'
        : o.kind === 'platform'
          ? 'platform cert'
          : 'certificate';
    lines.push(
      `${what.padEnd(14)} NV ${o.nvIndex}: ${o.certificate ? `subject ${o.certificate.subject}, issuer ${o.certificate.issuer}` : o.note}`,
    );
  }
  return lines;
}

/** Transport and format problems are the environment's (exit 3), with the layer's advice. */
function environmentError(e: unknown): never {
  if (e instanceof TpmTransportError || e instanceof TpmFormatError) {
    throw new CliError(e.message, EXIT.ENVIRONMENT);
  }
  if (e instanceof TpmNameError) throw new UsageError(e.message, USAGE.info);
  throw e;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'info') {
    const { values } = parseCommandArgs(
      rest,
      {
        tpm: { type: 'string' },
        json: { type: 'boolean' },
        'no-recreate-ek': { type: 'boolean' },
        'force-raw': { type: 'boolean' },
        timeout: { type: 'string' },
      },
      USAGE.info,
    );
    const name = requireOption(values.tpm, 'tpm', USAGE.info);
    const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
      throw new UsageError('--timeout must be a whole number of milliseconds', USAGE.info);
    }
    const tpm = await openTpm(name, {
      forceRawDevice: values['force-raw'],
      onWarning: (m) => io.err(m),
      // --timeout is for every command, the slow ones (CreatePrimary, Create…) included.
      ...(timeoutMs
        ? {
            timeoutMs,
            timeouts: Object.fromEntries(Object.keys(DEFAULT_TIMEOUTS).map((c) => [c, timeoutMs])),
          }
        : {}),
    }).catch(environmentError);
    try {
      const info = await probeTpm(tpm, {
        recreateEks: !values['no-recreate-ek'],
        otherCertificates: true,
      }).catch(environmentError);
      printResult(io, values.json, info, () => infoLines(info));
      return EXIT.OK;
    } finally {
      await tpm.close();
    }
  }
  if (sub === 'list') {
    const { values } = parseCommandArgs(rest, { json: { type: 'boolean' } }, USAGE.list);
    const devices = await listTpmDevices(process.env.ZTP_TPM_LIST_ROOT || '/');
    printResult(io, values.json, devices, () =>
      devices.length === 0
        ? ['no TPM devices on this host (no /dev/tpmrm* or /dev/tpm*)']
        : table([
            ['NAME', 'TPM', 'DESCRIPTION'],
            ...devices.map((d) => [
              d.name,
              d.versionMajor ? `${d.versionMajor}.x` : '?',
              d.description ?? '',
            ]),
          ]),
    );
    return EXIT.OK;
  }
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(`usage:\n${ALL}`);
    return sub === undefined ? EXIT.USAGE : EXIT.OK;
  }
  throw new UsageError(`unknown subcommand '${sub}'`, ALL);
}
