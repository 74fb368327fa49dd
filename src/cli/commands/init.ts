import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import {
  WORKSTATION_OPTIONS,
  openWorkstation,
  operatorOf,
  printResult,
  readPassphrase,
} from '../common.ts';
import { setUpWorkstation } from '../../engine/facility.ts';
import { facilityName } from '../../engine/labels.ts';

const USAGE =
  'ztp init --operator NAME [--facility NAME] [--data-dir DIR] [--passphrase-file FILE] [--json]';

/** First-run set-up: passphrase, station id, first supervisor and the facility key. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { ...WORKSTATION_OPTIONS, facility: { type: 'string' } },
    USAGE,
  );
  const operator = operatorOf(values, USAGE);
  const facility = values.facility?.trim();
  if (
    values.facility !== undefined &&
    (!facility || facility.length > 64 || /\p{Cc}/u.test(facility))
  ) {
    throw new UsageError(
      '--facility takes a name of 1 to 64 characters, without control characters',
      USAGE,
    );
  }
  const ws = openWorkstation(values);
  try {
    if (ws.initialized) {
      io.err(`ztp init: the workstation in ${ws.dataDir} is already set up; nothing changed.`);
      return EXIT.FAILED;
    }
    const passphrase = await readPassphrase(values, 'New workstation passphrase: ');
    const key = await setUpWorkstation(ws, passphrase, operator);
    // The facility's name on every label (else "ZTP station <id>").
    if (facility) ws.store.setSetting('facility.name', facility);
    printResult(
      io,
      values.json,
      {
        dataDir: ws.dataDir,
        stationId: ws.stationId,
        facility: facilityName(ws),
        supervisor: operator,
        facilityKey: key,
      },
      () => [
        `Workstation set up in ${ws.dataDir}`,
        `  station id:    ${ws.stationId}`,
        `  facility:      ${facilityName(ws)} (printed on labels)`,
        `  supervisor:    ${operator}`,
        `  facility key:  ${key.thumbprint}`,
        '  Write the facility key thumbprint down: receivers check manifests against it.',
      ],
    );
    return EXIT.OK;
  } finally {
    ws.close();
  }
}
