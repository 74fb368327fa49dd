import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import { WORKSTATION_OPTIONS, openWorkstation, operatorOf, printResult, table } from '../common.ts';
import type { Role } from '../../store/store.ts';

const USAGE = {
  add: 'ztp operator add NAME --role operator|supervisor|auditor --operator SUPERVISOR',
  list: 'ztp operator list [--json]',
};
const ALL = Object.values(USAGE).join('\n');

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'add') {
    const { values, positionals } = parseCommandArgs(
      rest,
      { ...WORKSTATION_OPTIONS, role: { type: 'string' } },
      USAGE.add,
      { positionals: 1 },
    );
    const name = positionals[0];
    if (!name) throw new UsageError('missing NAME', USAGE.add);
    const role = values.role as Role | undefined;
    if (!role || !['operator', 'supervisor', 'auditor'].includes(role)) {
      throw new UsageError('--role must be operator, supervisor or auditor', USAGE.add);
    }
    const by = operatorOf(values, USAGE.add);
    const ws = openWorkstation(values);
    try {
      ws.addOperator(by, name, role);
      printResult(io, values.json, { name, role }, () => [`Operator ${name} is now ${role}.`]);
      return EXIT.OK;
    } finally {
      ws.close();
    }
  }
  if (sub === 'list') {
    const { values } = parseCommandArgs(rest, WORKSTATION_OPTIONS, USAGE.list);
    const ws = openWorkstation(values);
    try {
      const ops = ws.store.listOperators();
      printResult(io, values.json, ops, () =>
        table([['NAME', 'ROLE', 'SINCE'], ...ops.map((o) => [o.name, o.role, o.createdAt])]),
      );
      return EXIT.OK;
    } finally {
      ws.close();
    }
  }
  throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand', ALL);
}
