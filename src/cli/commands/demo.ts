import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import { printResult } from '../common.ts';
import { ProgressView } from '../progress.ts';
import { DEMO_PASSPHRASE, runDemo } from '../../engine/demo.ts';

const USAGE = 'ztp demo [--devices N] [--slots K] [--out DIR] [--json]';

function count(value: string | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}`, USAGE);
  }
  return n;
}

/** The README's main command: the whole job on simulated TPMs. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      devices: { type: 'string' },
      slots: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    io.out(`usage: ${USAGE}`);
    return EXIT.OK;
  }
  const devices = count(values.devices, 16, 'devices', 10_000);
  const slots = count(values.slots, 8, 'slots', 64);
  const out = values.out ?? './ztp-demo-out';
  const view = values.json ? undefined : new ProgressView(io);
  const result = await runDemo({
    devices,
    slots,
    out,
    onEvent: view?.onEvent,
    onMessage: values.json ? undefined : (line) => io.out(line),
  });
  view?.finish();
  const ms = result.perDevice.map((d) => d.elapsedMs);
  const tpm = result.perDevice.map((d) => d.tpmMs);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  printResult(io, values.json, result, () => [
    '',
    `Provisioned ${result.provisioned} of ${devices} simulated TPMs (${result.failed} failed, ${result.skipped} skipped) ` +
      `in ${(result.provisioningMs / 1000).toFixed(2)} s with ${slots} slots: ${result.devicesPerSecond.toFixed(1)} devices/s`,
    `Per device: ${avg(ms).toFixed(0)} ms in all, of which ${avg(tpm).toFixed(0)} ms waiting for the TPM`,
    `Batch ${result.batchId}`,
    `Manifest: ${result.export.counts.provisioned} devices, Merkle root ${result.export.merkleRoot.slice(0, 16)}…, ` +
      `read back and verified ${result.export.verified ? 'OK' : 'FAILED'}${result.export.ecdaaChecked ? ' (every join proof, credential and self-test checked)' : ''}`,
    `Output in ${result.out}: ipk.bin, gpk.bin, basename.bin, manifest.json, facility-key.pem, labels/batch.{pdf,png,zpl},`,
    '  devices/<device id>/ (Xaptum ecdaa files), tpm-state/<device id>/ (swtpm state of each TPM)',
    `The demo workstation is ${result.dataDir} (passphrase: "${DEMO_PASSPHRASE}"), e.g.`,
    `  ZTP_DATA_DIR=${result.dataDir} ztp device list --batch ${result.batchId.slice(0, 8)}`,
  ]);
  return result.failed > 0 || result.provisioned < devices || !result.export.verified
    ? EXIT.FAILED
    : EXIT.OK;
}
