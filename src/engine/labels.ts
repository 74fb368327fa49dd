import { LABEL_PRINT_ACTIONS, type LabelAuditEvent } from '../labels/audit.ts';
import type { LabelInfo } from '../labels/types.ts';
import type { AuditEvent, BatchRow } from '../store/store.ts';
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

/**
 * Every recorded print and reprint of a batch's label, oldest first, whichever program (CLI or
 * app) printed it. A batch with any is printed again only as a reprint.
 */
export function labelPrints(ws: Workstation, batchId: string): AuditEvent[] {
  return ws.store.listAuditActions(batchId, LABEL_PRINT_ACTIONS);
}

/** How often a batch's label was printed (first prints and reprints). */
export function labelPrintCount(ws: Workstation, batchId: string): number {
  return labelPrints(ws, batchId).length;
}

/** Records a print or reprint of a batch's label in the workstation's audit trail. */
export function recordLabelPrint(
  ws: Workstation,
  event: LabelAuditEvent,
  extra: Record<string, unknown> = {},
): AuditEvent {
  const { type, operator, batchId, ...details } = event;
  return ws.store.audit({
    actor: operator,
    action: type,
    batchId,
    details: { ...details, ...extra },
  });
}
