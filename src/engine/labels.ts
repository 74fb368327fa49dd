import type { LabelInfo } from '../labels/types.ts';
import type { BatchRow } from '../store/store.ts';
import type { Workstation } from './workstation.ts';

/** The facility's name printed on labels: the `facility.name` setting, else the station. */
export function facilityName(ws: Workstation): string {
  return ws.store.getSetting('facility.name') ?? `ZTP station ${ws.stationId.slice(0, 8)}`;
}

/** What a batch label shows, from the store. */
export function labelInfoFor(
  ws: Workstation,
  batch: BatchRow,
  { withDevices = false }: { withDevices?: boolean } = {},
): LabelInfo {
  const provisioned = ws.store.batchCounts(batch.id).provisioned;
  return {
    batchId: batch.id,
    batchName: batch.name,
    ...(batch.product ? { product: batch.product } : {}),
    gpk: batch.gpk,
    deviceCount: provisioned,
    date: batch.closedAt ?? batch.createdAt,
    facility: facilityName(ws),
    ...(withDevices
      ? {
          devices: [...ws.store.iterateDevices(batch.id, 'provisioned')].map((d) => ({
            deviceId: d.deviceId,
          })),
        }
      : {}),
  };
}
