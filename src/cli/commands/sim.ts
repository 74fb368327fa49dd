import { EXIT, UsageError, parseCommandArgs, requireOption, type CliIO } from '../args.ts';
import { printResult, table } from '../common.ts';
import { Simulator, listSimulators, stopSimulators } from '../../sim/simulator.ts';

const USAGE = {
  start: 'ztp sim start --count N --dir DIR [--template] [--tcp] [--json]',
  stop: 'ztp sim stop --dir DIR [--json]',
  status: 'ztp sim status --dir DIR [--json]',
};
const ALL = Object.values(USAGE).join('\n');

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'start') {
    const { values } = parseCommandArgs(
      rest,
      {
        count: { type: 'string' },
        dir: { type: 'string' },
        template: { type: 'boolean' },
        tcp: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      USAGE.start,
    );
    const dir = requireOption(values.dir, 'dir', USAGE.start);
    const count = Number(requireOption(values.count, 'count', USAGE.start));
    if (!Number.isInteger(count) || count < 1 || count > 64) {
      throw new UsageError('--count must be a whole number from 1 to 64', USAGE.start);
    }
    const sim = await Simulator.create(dir, {
      daemon: true,
      identity: values.template ? 'template' : 'unique',
      tcp: values.tcp,
    });
    try {
      await sim.startMany(count);
    } catch (e) {
      await sim.stopAll();
      throw e;
    }
    const started = sim.instances.map((i) => ({
      name: i.name,
      dir: i.dir,
      stateDir: i.stateDir,
      pid: i.pid,
    }));
    printResult(
      io,
      values.json,
      { caCertPath: sim.caCertPath, issuerCertPath: sim.issuerCertPath, tpms: started },
      () => started.map((s) => s.name),
    );
    return EXIT.OK;
  }
  if (sub === 'stop') {
    const { values } = parseCommandArgs(
      rest,
      { dir: { type: 'string' }, json: { type: 'boolean' } },
      USAGE.stop,
    );
    const stopped = await stopSimulators(requireOption(values.dir, 'dir', USAGE.stop));
    printResult(io, values.json, { stopped }, () => [`stopped ${stopped.length} simulated TPM(s)`]);
    return EXIT.OK;
  }
  if (sub === 'status') {
    const { values } = parseCommandArgs(
      rest,
      { dir: { type: 'string' }, json: { type: 'boolean' } },
      USAGE.status,
    );
    const running = await listSimulators(requireOption(values.dir, 'dir', USAGE.status));
    printResult(io, values.json, running, () =>
      running.length === 0
        ? ['no simulated TPM is running there']
        : table([['NAME', 'PID', 'FOLDER'], ...running.map((r) => [r.name, String(r.pid), r.dir])]),
    );
    return EXIT.OK;
  }
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(`usage:\n${ALL}`);
    return sub === undefined ? EXIT.USAGE : EXIT.OK;
  }
  throw new UsageError(`unknown subcommand '${sub}'`, ALL);
}
