import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import { WORKSTATION_OPTIONS, hex, openWorkstation, printResult, table } from '../common.ts';
import { requireBatch } from '../../engine/batches.ts';

const USAGE = {
  list: 'ztp audit list [--batch ID] [--limit N] [--json]',
  verify: 'ztp audit verify [--json]',
};
const ALL = Object.values(USAGE).join('\n');

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') {
    const { values } = parseCommandArgs(
      rest,
      { ...WORKSTATION_OPTIONS, batch: { type: 'string' }, limit: { type: 'string' } },
      USAGE.list,
    );
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new UsageError('--limit must be a whole number ≥ 1', USAGE.list);
    }
    const ws = openWorkstation(values);
    try {
      const batchId = values.batch ? requireBatch(ws, values.batch).id : undefined;
      const events = ws.store.listAudit({ batchId, limit }).map((e) => ({
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        batchId: e.batchId,
        deviceId: e.deviceId,
        details: JSON.parse(e.details) as unknown,
        hash: hex(e.hash),
      }));
      printResult(io, values.json, events, () =>
        table([
          ['SEQ', 'WHEN', 'WHO', 'WHAT', 'BATCH', 'DEVICE'],
          ...events.map((e) => [
            String(e.seq),
            e.at.replace('T', ' ').slice(0, 19),
            e.actor,
            e.action,
            e.batchId?.slice(0, 8) ?? '',
            e.deviceId?.slice(0, 12) ?? '',
          ]),
        ]),
      );
      return EXIT.OK;
    } finally {
      ws.close();
    }
  }
  if (sub === 'verify') {
    const { values } = parseCommandArgs(rest, WORKSTATION_OPTIONS, USAGE.verify);
    const ws = openWorkstation(values);
    try {
      const result = ws.store.verifyAuditChain();
      const head = ws.store.auditHead();
      printResult(io, values.json, { ...result, head: head ? hex(head.hash) : null }, () =>
        result.ok
          ? [`Audit trail intact: ${result.count} events, head ${head ? hex(head.hash) : '-'}`]
          : [`Audit trail BROKEN at event ${result.seq}: ${result.reason}.`],
      );
      return result.ok ? EXIT.OK : EXIT.FAILED;
    } finally {
      ws.close();
    }
  }
  throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand', ALL);
}
