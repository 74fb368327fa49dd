/** What a label shows: the engine's batch record, reduced to what the packaging needs. */
export interface LabelInfo {
  /** The engine's batch id: opaque printable ASCII, at most 40 characters. */
  batchId: string;
  batchName: string;
  product?: string;
  /** The group public key, 258 bytes. */
  gpk: Uint8Array;
  deviceCount: number;
  /** ISO 8601 date or date-time; the label shows the date part. */
  date: string;
  facility: string;
  /** For per-device labels: each device's id (64 hex digits). */
  devices?: { deviceId: string }[];
}

export type LabelFormat = 'pdf' | 'png' | 'zpl';
export const LABEL_FORMATS: readonly LabelFormat[] = ['pdf', 'png', 'zpl'];
