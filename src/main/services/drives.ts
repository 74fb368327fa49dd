import { freeBytes, listRemovableDrives, type ListDrivesOptions } from '../../drives/drives.ts';
import type { DriveView } from '../ipc-contract.ts';
import type { DriveSource } from './app-service.ts';

/** Removable drives as src/drives finds them (under a fake root in tests). */
export class RemovableDriveSource implements DriveSource {
  constructor(private readonly options: ListDrivesOptions = {}) {}

  async list(): Promise<DriveView[]> {
    const drives = await listRemovableDrives(this.options);
    return Promise.all(
      drives
        .filter((d) => !d.readOnly)
        .map(async (d) => ({
          id: d.device,
          label: d.label || [d.vendor, d.model].filter(Boolean).join(' ') || d.device,
          mountPoint: d.mountPoint,
          sizeBytes: d.sizeBytes,
          freeBytes: await freeBytes(d.mountPoint).catch(() => null),
        })),
    );
  }
}
