import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import { WORKSTATION_OPTIONS, openWorkstation, operatorOf, printResult, table } from '../common.ts';
import { requireBatch, setAsideDevice } from '../../engine/batches.ts';
import { deviceView, ekCertificateText } from '../../engine/views.ts';
import type { DeviceStatus } from '../../store/store.ts';

const USAGE = {
  list: 'ztp device list --batch ID [--status provisioned|failed|in_progress|rolled_back|set_aside] [--json]',
  show: 'ztp device show DEVICE_ID [--json]',
  'set-aside': 'ztp device set-aside DEVICE_ID --reason TEXT --operator NAME [--batch ID] [--json]',
};
const ALL = Object.values(USAGE).join('\n');
const STATUSES = ['provisioned', 'failed', 'in_progress', 'rolled_back', 'set_aside'];

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') {
    const { values } = parseCommandArgs(
      rest,
      { ...WORKSTATION_OPTIONS, batch: { type: 'string' }, status: { type: 'string' } },
      USAGE.list,
    );
    if (!values.batch) throw new UsageError('missing --batch', USAGE.list);
    if (values.status && !STATUSES.includes(values.status)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`, USAGE.list);
    }
    const ws = openWorkstation(values);
    try {
      const batch = requireBatch(ws, values.batch);
      const rows = ws.store.listDevices(batch.id, values.status as DeviceStatus | undefined);
      // Earlier attempts of a TPM tried again later stay listed, as history.
      const superseded = ws.store.supersededRows(batch.id);
      const views = rows.map((r) => ({
        ...deviceView(r, { withJournal: false, store: ws.store }),
        ...(superseded.has(r.rowId) ? { superseded: true } : {}),
      }));
      printResult(io, values.json, views, () =>
        rows.length === 0
          ? ['No devices.']
          : table([
              ['DEVICE', 'STATUS', 'STEP', 'SLOT', 'VENDOR', 'OPERATOR', 'FINISHED'],
              ...views.map((d) => [
                d.deviceId,
                d.superseded ? `${d.status} (tried again)` : d.status,
                d.step,
                d.slot,
                d.identity.manufacturer ?? '',
                d.operator,
                d.finishedAt?.replace('T', ' ').slice(0, 19) ?? '',
              ]),
            ]),
      );
      return EXIT.OK;
    } finally {
      ws.close();
    }
  }
  if (sub === 'show') {
    const { values, positionals } = parseCommandArgs(rest, WORKSTATION_OPTIONS, USAGE.show, {
      positionals: 1,
    });
    if (!positionals[0]) throw new UsageError('missing DEVICE_ID', USAGE.show);
    const ws = openWorkstation(values);
    try {
      const rows = ws.store.findDevices(positionals[0]);
      const ids = new Set(rows.map((r) => r.deviceId));
      if (rows.length === 0) {
        io.err(`ztp device show: no device '${positionals[0]}' on this workstation.`);
        return EXIT.FAILED;
      }
      if (ids.size > 1) {
        io.err(
          `ztp device show: '${positionals[0]}' matches ${ids.size} devices; give more digits.`,
        );
        return EXIT.USAGE;
      }
      const views = rows.map((r) => deviceView(r, { withJournal: true, store: ws.store }));
      printResult(io, values.json, views.length === 1 ? views[0] : views, () =>
        views.flatMap((d) => [
          `${d.deviceId}  ${d.status.toUpperCase()}  (batch ${d.batchId}, slot ${d.slot})`,
          `  TPM:          ${d.identity.manufacturer ?? '?'} firmware ${d.identity.firmwareVersion ?? '?'} at ${d.tpmName}`,
          `  EK:           ${d.identity.ek?.type ?? '?'}${d.identity.ek?.certificatePem ? ', with certificate' : ', no certificate'}`,
          `  EK cert:      ${ekCertificateText(d.ekCertificate)}`,
          `  EK binding:   ${d.ekBinding ? (d.ekBinding.ok ? 'proven' : 'FAILED') + ` (${d.ekBinding.method})` : '-'}`,
          `  member key Q: ${d.memberPk ? d.memberPk.slice(0, 32) + '…' : '-'}`,
          `  credential:   ${d.credential ? d.credential.slice(0, 32) + '…' : '-'}`,
          `  self-test:    ${d.selftestSignature ? 'signature verified' : '-'}`,
          ...(d.failure
            ? [`  failure:      ${d.failure.message}`, `  what to do:   ${d.failure.action}`]
            : []),
          ...(d.setAside
            ? [`  set aside:    ${d.setAside.reason} (by ${d.setAside.by}, ${d.setAside.at})`]
            : []),
          `  operator:     ${d.operator}, ${d.startedAt} → ${d.finishedAt ?? '…'}`,
          '  journal:',
          ...(d.journal ?? []).map(
            (j) => `    ${j.at.slice(11, 23)}  ${j.step.padEnd(10)} ${j.phase}`,
          ),
        ]),
      );
      return EXIT.OK;
    } finally {
      ws.close();
    }
  }
  if (sub === 'set-aside') {
    const usage = USAGE['set-aside'];
    const { values, positionals } = parseCommandArgs(
      rest,
      { ...WORKSTATION_OPTIONS, reason: { type: 'string' }, batch: { type: 'string' } },
      usage,
      { positionals: 1 },
    );
    if (!positionals[0]) throw new UsageError('missing DEVICE_ID', usage);
    if (!values.reason?.trim()) throw new UsageError('missing --reason', usage);
    const operator = operatorOf(values, usage);
    const ws = openWorkstation(values);
    try {
      const row = setAsideDevice(ws, operator, positionals[0], values.reason, {
        batchId: values.batch,
      });
      const view = deviceView(row, { withJournal: false, store: ws.store });
      printResult(io, values.json, view, () => [
        `Device ${row.deviceId} set aside in batch ${row.batchId} (it was at step ${row.step}).`,
        'The batch can close without it; the manifest lists it as set aside with the reason.',
      ]);
      return EXIT.OK;
    } finally {
      ws.close();
    }
  }
  throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand', ALL);
}
