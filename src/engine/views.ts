import { createHash } from 'node:crypto';
import type { BatchRow, DeviceRow, DeviceStatus, Store } from '../store/store.ts';
import type { SetAside } from './batches.ts';
import type { DeviceFailure } from './events.ts';
import { gpkFingerprint } from '../labels/layout.ts';

export { gpkFingerprint };
import type { TpmIdentity } from './tpm-ops.ts';
import type { Workstation } from './workstation.ts';

export interface BatchSummary {
  id: string;
  name: string;
  product: string;
  notes: string;
  status: BatchRow['status'];
  profile: string;
  ekPolicy: BatchRow['ekPolicy'];
  basename: string;
  gpk: string;
  gpkFingerprint: string;
  gid: string;
  rootCert: string | null;
  targetCount: number | null;
  counts: Record<DeviceStatus, number>;
  createdAt: string;
  createdBy: string;
  closedAt: string | null;
  closedBy: string | null;
  exportedAt: string | null;
  issuerKeyDestroyedAt: string | null;
}

/** gid = SHA-256(GPK ‖ basename), as the XTT client computes it. */
export function gidOf(gpk: Uint8Array, basename: Uint8Array): string {
  return createHash('sha256').update(gpk).update(basename).digest('hex');
}

/** What the CLI and the desktop app show of a batch (no secrets). */
export function batchSummary(ws: Workstation, b: BatchRow): BatchSummary {
  return {
    id: b.id,
    name: b.name,
    product: b.product,
    notes: b.notes,
    status: b.status,
    profile: b.profile,
    ekPolicy: b.ekPolicy,
    basename: Buffer.from(b.basename).toString('hex'),
    gpk: Buffer.from(b.gpk).toString('hex'),
    gpkFingerprint: gpkFingerprint(b.gpk),
    gid: gidOf(b.gpk, b.basename),
    rootCert: b.rootCert ? Buffer.from(b.rootCert).toString('hex') : null,
    targetCount: b.targetCount,
    counts: ws.store.batchCounts(b.id),
    createdAt: b.createdAt,
    createdBy: b.createdBy,
    closedAt: b.closedAt,
    closedBy: b.closedBy,
    exportedAt: b.exportedAt,
    issuerKeyDestroyedAt: b.iskDestroyedAt,
  };
}

export interface DeviceView {
  rowId: number;
  batchId: string;
  deviceId: string;
  status: DeviceRow['status'];
  step: string;
  slot: string;
  tpmName: string;
  identity: Partial<TpmIdentity>;
  memberPk: string | null;
  nonce: string | null;
  credential: string | null;
  credentialSignature: string | null;
  ekBinding: { ok: boolean; method: string; detail?: string } | null;
  selftestMessage: string | null;
  selftestSignature: string | null;
  failure: DeviceFailure | null;
  /** The EK certificate check as journaled (policy, ok, reason?, chain?), if it ran. */
  ekCertificate: EkCertificateView | null;
  /** A supervisor's decision to set the device aside. */
  setAside: SetAside | null;
  operator: string;
  startedAt: string;
  finishedAt: string | null;
  journal?: { at: string; step: string; phase: string; data: unknown }[];
}

export interface EkCertificateView {
  policy: BatchRow['ekPolicy'];
  ok: boolean;
  reason?: string;
  chain?: string[];
}

/** The record's EK certificate check, from its journal ('ek-policy' step). */
export function ekCertificateOf(store: Store, rowId: number): EkCertificateView | null {
  const data = store.ekCheckData(rowId);
  return data === undefined ? null : (JSON.parse(data) as EkCertificateView);
}

/** One line for people: whether the EK certificate was trusted, under which policy. */
export function ekCertificateText(c: EkCertificateView | null): string {
  if (!c) return '-';
  if (c.policy === 'off') return 'not checked (policy off)';
  if (c.ok) return `trusted${c.chain?.length ? ` (${c.chain[c.chain.length - 1]})` : ''}`;
  return `NOT TRUSTED: ${c.reason ?? 'unknown reason'} (policy ${c.policy})`;
}

const hexOrNull = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

/** What the CLI and the desktop app show of a device record. */
export function deviceView(
  d: DeviceRow,
  { withJournal, store }: { withJournal: boolean; store: Store },
): DeviceView {
  return {
    rowId: d.rowId,
    batchId: d.batchId,
    deviceId: d.deviceId,
    status: d.status,
    step: d.step,
    slot: d.slot,
    tpmName: d.tpmName,
    identity: JSON.parse(d.identity) as Partial<TpmIdentity>,
    memberPk: hexOrNull(d.memberPk),
    nonce: hexOrNull(d.nonce),
    credential: hexOrNull(d.credential),
    credentialSignature: hexOrNull(d.credentialSignature),
    ekBinding: d.ekBinding ? (JSON.parse(d.ekBinding) as DeviceView['ekBinding']) : null,
    selftestMessage: hexOrNull(d.selftestMessage),
    selftestSignature: hexOrNull(d.selftestSignature),
    failure: d.failure ? (JSON.parse(d.failure) as DeviceFailure) : null,
    ekCertificate: ekCertificateOf(store, d.rowId),
    setAside: d.setAside ? (JSON.parse(d.setAside) as SetAside) : null,
    operator: d.operator,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    journal: withJournal
      ? store.journal(d.rowId).map((j) => ({
          at: j.at,
          step: j.step,
          phase: j.phase,
          data: JSON.parse(j.data) as unknown,
        }))
      : undefined,
  };
}
