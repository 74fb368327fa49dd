import { EXIT, parseCommandArgs, type CliIO } from '../args.ts';
import { WORKSTATION_OPTIONS, openWorkstation, printResult, table } from '../common.ts';
import {
  configuredEndpoints,
  hostTpmDevices,
  inspectSlot,
  setConfiguredEndpoints,
} from '../../engine/slots.ts';
import { parseTpmName } from '../../tpm/transport/open.ts';
import { getProfile } from '../../engine/profiles.ts';

const USAGE = 'ztp slots [--profile xtt-platform|owner] [--add NAME…] [--remove NAME…] [--json]';

/** Lists the TPMs this workstation can reach and whether each can be provisioned. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      ...WORKSTATION_OPTIONS,
      profile: { type: 'string' },
      add: { type: 'string', multiple: true },
      remove: { type: 'string', multiple: true },
    },
    USAGE,
  );
  if (values.help) {
    io.out(`usage: ${USAGE}`);
    return EXIT.OK;
  }
  const profile = getProfile(values.profile ?? 'xtt-platform');
  const ws = openWorkstation(values);
  try {
    if (values.add || values.remove) {
      for (const name of values.add ?? []) parseTpmName(name);
      const drop = new Set(values.remove ?? []);
      const next = [...configuredEndpoints(ws.store), ...(values.add ?? [])].filter(
        (n) => !drop.has(n),
      );
      setConfiguredEndpoints(ws.store, next);
    }
    const names = [...hostTpmDevices(), ...configuredEndpoints(ws.store)];
    const reports: Awaited<ReturnType<typeof inspectSlot>>[] = [];
    for (const name of names) reports.push(await inspectSlot(ws.store, name, profile));
    printResult(io, values.json, reports, () =>
      reports.length === 0
        ? ['No TPM found. Attach TPMs, or add simulators with ztp slots --add swtpm:unix:/PATH.']
        : table([
            ['SLOT', 'TPM', 'VENDOR', 'DEVICE', 'READY', 'NOTES'],
            ...reports.map((r, i) => [
              String(i),
              r.tpmName,
              r.manufacturer ?? '-',
              r.deviceId?.slice(0, 12) ?? '-',
              r.ready ? 'yes' : 'no',
              r.reachable ? r.reasons.join('; ') : (r.error ?? ''),
            ]),
          ]),
    );
    return EXIT.OK;
  } finally {
    ws.close();
  }
}
