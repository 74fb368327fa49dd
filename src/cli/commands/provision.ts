import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import { WORKSTATION_OPTIONS, operatorOf, printResult, unlockedWorkstation } from '../common.ts';
import { ProgressView } from '../progress.ts';
import { requireBatch } from '../../engine/batches.ts';
import { Provisioner } from '../../engine/provision.ts';
import { configuredEndpoints, hostTpmDevices } from '../../engine/slots.ts';
import { openTpmOps } from '../../engine/tpm-adapter.ts';
import { loadWorkstationTrust } from '../../engine/trust.ts';
import { ekCertificateOf } from '../../engine/views.ts';
import { CryptoPool } from '../../crypto/pool.ts';

const USAGE =
  'ztp provision --batch ID (--tpm NAME… | --all) --operator NAME [--resume] ' +
  '[--reprovision] [--force] [--write-lock] [--trust-store DIR] [--json]';

export async function main(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      ...WORKSTATION_OPTIONS,
      batch: { type: 'string' },
      tpm: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      resume: { type: 'boolean' },
      reprovision: { type: 'boolean' },
      force: { type: 'boolean' },
      'write-lock': { type: 'boolean' },
      'trust-store': { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    io.out(`usage: ${USAGE}`);
    return EXIT.OK;
  }
  if (!values.batch) throw new UsageError('missing --batch', USAGE);
  const operator = operatorOf(values, USAGE);
  if (!values.all && !values.tpm?.length)
    throw new UsageError('name TPMs with --tpm or use --all', USAGE);
  if (values.all && values.tpm?.length)
    throw new UsageError('--tpm and --all exclude each other', USAGE);

  const ws = await unlockedWorkstation(values);
  const pool = new CryptoPool();
  try {
    const batch = requireBatch(ws, values.batch);
    const tpms = values.all ? [...hostTpmDevices(), ...configuredEndpoints(ws.store)] : values.tpm!;
    if (tpms.length === 0) {
      io.err(
        'ztp provision: no TPM found: attach TPMs, or configure simulators with ztp slots --add NAME.',
      );
      return EXIT.ENVIRONMENT;
    }
    if (values.resume) {
      const waiting = ws.store.listInProgress().filter((d) => d.batchId === batch.id);
      if (!values.json) {
        io.out(
          waiting.length === 0
            ? 'No interrupted devices in this batch.'
            : `${waiting.length} interrupted device(s): ${waiting.map((d) => d.deviceId.slice(0, 12)).join(', ')}`,
        );
      }
    }
    const provisioner = new Provisioner(ws, {
      batchId: batch.id,
      operator,
      openTpm: (name) => openTpmOps(name),
      pool,
      trustStore: loadWorkstationTrust(ws, values['trust-store']),
      reprovision: values.reprovision,
      force: values.force,
      resumeOnly: values.resume,
      writeLock: values['write-lock'],
    });
    const view = values.json ? undefined : new ProgressView(io);
    if (view) provisioner.on('event', view.onEvent);
    const onSignal = () => {
      provisioner.stop();
      io.err('stopping: the devices in progress finish first');
    };
    process.once('SIGINT', onSignal);
    const summary = await provisioner.run(tpms);
    process.off('SIGINT', onSignal);
    view?.finish();
    // Policy 'warn' lets a TPM with an untrusted EK certificate through: say so, per device.
    const untrusted = summary.devices.flatMap((d) => {
      const row = d.status === 'provisioned' ? ws.store.liveDevice(d.deviceId) : undefined;
      const check = row ? ekCertificateOf(ws.store, row.rowId) : null;
      return check && !check.ok && check.policy !== 'off' ? [{ device: d, check }] : [];
    });
    printResult(io, values.json, summary, () => [
      ...untrusted.map(
        ({ device, check }) =>
          `warning: slot ${device.slot}: ${device.deviceId.slice(0, 16)} provisioned with an untrusted EK certificate (${check.reason}; policy ${check.policy})`,
      ),
      `${summary.provisioned} provisioned, ${summary.failed} failed, ${summary.skipped} skipped in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    ]);
    return summary.failed > 0 ? EXIT.FAILED : EXIT.OK;
  } finally {
    await pool.close();
    ws.close();
  }
}
