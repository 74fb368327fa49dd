import { EXIT, parseCommandArgs, type CliIO } from '../args.ts';
import {
  WORKSTATION_OPTIONS,
  openWorkstation,
  operatorOf,
  printResult,
  readPassphrase,
} from '../common.ts';
import { setUpWorkstation } from '../../engine/facility.ts';

const USAGE = 'ztp init --operator NAME [--data-dir DIR] [--passphrase-file FILE] [--json]';

/** First-run set-up: passphrase, station id, first supervisor and the facility key. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(argv, WORKSTATION_OPTIONS, USAGE);
  if (values.help) {
    io.out(`usage: ${USAGE}`);
    return EXIT.OK;
  }
  const operator = operatorOf(values, USAGE);
  const ws = openWorkstation(values);
  try {
    if (ws.initialized) {
      io.err(`ztp init: the workstation in ${ws.dataDir} is already set up; nothing changed.`);
      return EXIT.FAILED;
    }
    const passphrase = await readPassphrase(values, 'New workstation passphrase: ');
    const key = await setUpWorkstation(ws, passphrase, operator);
    printResult(
      io,
      values.json,
      { dataDir: ws.dataDir, stationId: ws.stationId, supervisor: operator, facilityKey: key },
      () => [
        `Workstation set up in ${ws.dataDir}`,
        `  station id:    ${ws.stationId}`,
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
