import type { DeviceRow, Store } from '../../store/store.ts';
import type { DeviceListRow, DevicePage, DeviceStatus } from '../ipc-contract.ts';

/**
 * A compact in-memory index of one batch's devices for the device table. The table asks for
 * one window of rows at a time while the operator scrolls or types a search; reading 100k full
 * rows (identity JSON, credentials) from SQLite for every keystroke would be far too slow, so
 * the few columns the table shows are read once, streamed, and kept until the batch changes.
 */
export class DeviceIndex {
  readonly batchId: string;
  #rows: DeviceListRow[] = [];
  /** Lower-case text each row is searched in (device id, slot, TPM name, maker). */
  #haystacks: string[] = [];

  private constructor(batchId: string) {
    this.batchId = batchId;
  }

  static build(store: Store, batchId: string): DeviceIndex {
    const index = new DeviceIndex(batchId);
    for (const d of store.iterateDevices(batchId)) index.#push(toListRow(d));
    return index;
  }

  get size(): number {
    return this.#rows.length;
  }

  #push(row: DeviceListRow): void {
    this.#rows.push(row);
    this.#haystacks.push(
      `${row.deviceId} ${row.slot} ${row.tpmName} ${row.manufacturer}`.toLowerCase(),
    );
  }

  page(offset: number, limit: number, search: string, status: DeviceStatus | null): DevicePage {
    const needle = search.trim().toLowerCase();
    if (!needle && !status) {
      return { total: this.#rows.length, offset, rows: this.#rows.slice(offset, offset + limit) };
    }
    const rows: DeviceListRow[] = [];
    let total = 0;
    for (let i = 0; i < this.#rows.length; i++) {
      const r = this.#rows[i]!;
      if (status && r.status !== status) continue;
      if (needle && !this.#haystacks[i]!.includes(needle)) continue;
      if (total >= offset && rows.length < limit) rows.push(r);
      total++;
    }
    return { total, offset, rows };
  }
}

function manufacturerOf(identityJson: string): string {
  try {
    const id = JSON.parse(identityJson) as { manufacturer?: unknown };
    return typeof id.manufacturer === 'string' ? id.manufacturer : '';
  } catch {
    return '';
  }
}

function failureMessage(failureJson: string | null): string | null {
  if (!failureJson) return null;
  try {
    const f = JSON.parse(failureJson) as { message?: unknown };
    return typeof f.message === 'string' ? f.message : null;
  } catch {
    return null;
  }
}

export function toListRow(d: DeviceRow): DeviceListRow {
  return {
    rowId: d.rowId,
    deviceId: d.deviceId,
    status: d.status,
    step: d.step,
    slot: d.slot,
    tpmName: d.tpmName,
    manufacturer: manufacturerOf(d.identity),
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    failureMessage: failureMessage(d.failure),
  };
}
