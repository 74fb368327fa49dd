import { openTpmOps } from '../../engine/tpm-adapter.ts';
import type { AppServiceOptions, LabelPrinter } from './app-service.ts';
import { RemovableDriveSource } from './drives.ts';
import { ManifestExporter } from './exporter.ts';
import { SettingsFixture, type SimulatedTpms } from './fixture.ts';

/**
 * The real parts the app runs with on a workstation: TPMs through the TPM layer, removable
 * drives from /proc/mounts and sysfs, the manifest export onto them, and the given printer.
 * The e2e harness builds the same service with the same parts, only pointed at simulated
 * TPMs, a fake drive and a fake printer.
 */
export async function createAppParts(options: {
  printer: LabelPrinter;
  simulated?: SimulatedTpms;
}): Promise<Pick<AppServiceOptions, 'fixture' | 'printer' | 'drives' | 'exporter'>> {
  return {
    fixture: new SettingsFixture((name) => openTpmOps(name), options.simulated),
    printer: options.printer,
    drives: new RemovableDriveSource(),
    exporter: new ManifestExporter(),
  };
}
