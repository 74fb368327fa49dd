import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { exportFolderOnDrive, findDrive, listRemovableDrives } from '../drives/drives.ts';
import { renderLabel } from '../labels/render.ts';
import { DEFAULT_TEMPLATE } from '../labels/templates.ts';
import { labelInfoFor } from './labels.ts';
import type { CryptoPool } from '../crypto/pool.ts';
import { writeExport, type ExportLabel, type ExportResult } from '../manifest/export.ts';
import { activeFacilityKey, openFacilitySigner } from '../manifest/facility-key.ts';
import type {
  EkCertificateCheck,
  ManifestInput,
  ProvisionedDevice,
  RejectedDevice,
  RejectedOutcome,
} from '../manifest/types.ts';
import type { BatchRow, DeviceRow } from '../store/store.ts';
import { derSequenceLength } from '../util/der.ts';
import { VERSION } from '../util/version.ts';
import { BatchStateError, requireBatch, type SetAside } from './batches.ts';
import type { DeviceFailure } from './events.ts';
import { getProfile } from './profiles.ts';
import type { TpmIdentity } from './tpm-ops.ts';
import { ekCertificateOf, gidOf, type EkCertificateView } from './views.ts';
import type { Workstation } from './workstation.ts';

/**
 * From the store to the manifest writer: the batch, its group and layout, the station, the
 * operators who acted, and every device record, streamed.
 */

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/;

/**
 * The DER of a PEM certificate (RFC 7468 §5): the base64 between the labels, when it decodes
 * to exactly one DER SEQUENCE. Parsing each certificate with X509Certificate took over a
 * third of a 20k-device export; anything unusual still goes through it, as before.
 */
function pemToDer(pem: string): Uint8Array {
  const body = PEM_CERTIFICATE.exec(pem)?.[1]?.replace(/\s+/g, '');
  if (body !== undefined) {
    const der = Buffer.from(body, 'base64');
    if (der.toString('base64') === body && derSequenceLength(der) === der.length) {
      return new Uint8Array(der);
    }
  }
  return new Uint8Array(new X509Certificate(pem).raw);
}

function ekCertificateCheck(c: EkCertificateView | null): EkCertificateCheck | undefined {
  if (!c) return undefined;
  if (c.policy === 'off') return { result: 'not-checked', policy: c.policy };
  return c.ok
    ? { result: 'trusted', policy: c.policy }
    : { result: 'untrusted', policy: c.policy, reason: (c.reason ?? 'unknown').slice(0, 1000) };
}

function provisionedDevice(
  d: DeviceRow,
  basename: Uint8Array,
  ekCheck: EkCertificateView | null,
): ProvisionedDevice {
  const ekCertificate = ekCertificateCheck(ekCheck);
  const identity = JSON.parse(d.identity) as TpmIdentity;
  const binding = d.ekBinding
    ? (JSON.parse(d.ekBinding) as { ok: boolean; method: string; detail?: string })
    : undefined;
  return {
    deviceId: d.deviceId,
    slot: d.slot,
    provisionedAt: d.finishedAt ?? d.startedAt,
    operator: d.operator,
    tpm: {
      vendor: identity.manufacturer,
      firmware: identity.firmwareVersion,
      // DER SubjectPublicKeyInfo of each EK; the device id is SHA-256 of the first's.
      ekPublic: [identity.ek, ...identity.eks.filter((e) => e.spkiDer !== identity.ek.spkiDer)].map(
        (e) => new Uint8Array(Buffer.from(e.spkiDer, 'base64')),
      ),
      ekCertificates: [identity.ek, ...identity.eks.filter((e) => e !== identity.ek)]
        .filter((e) => e.certificatePem)
        .map((e) => pemToDer(e.certificatePem!)),
    },
    memberPublicKey: d.memberPk!,
    joinNonce: d.nonce!,
    credential: d.credential!,
    credentialSignature: d.credentialSignature!,
    ekBinding: binding
      ? {
          result: binding.ok ? 'verified' : 'failed',
          method: 'activate-credential',
          detail: binding.method,
        }
      : { result: 'skipped' },
    ...(ekCertificate ? { ekCertificateCheck: ekCertificate } : {}),
    selfTest: {
      message: d.selftestMessage!,
      basename,
      signature: d.selftestSignature!,
    },
  };
}

const OUTCOME: Record<string, RejectedOutcome> = {
  failed: 'failed',
  set_aside: 'set-aside',
  rolled_back: 'rolled-back',
};

function rejectedDevice(d: DeviceRow): RejectedDevice {
  const failure = d.failure ? (JSON.parse(d.failure) as DeviceFailure) : undefined;
  if (d.status === 'set_aside' && d.setAside) {
    const setAside = JSON.parse(d.setAside) as SetAside;
    return {
      deviceId: d.deviceId,
      slot: d.slot,
      outcome: 'set-aside',
      step: failure?.step ?? d.step,
      reason:
        setAside.reason +
        (failure ? ` (it had failed: ${failure.message})` : ` (left in progress at ${d.step})`),
      at: setAside.at,
      operator: setAside.by,
    };
  }
  return {
    deviceId: d.deviceId,
    slot: d.slot,
    outcome: OUTCOME[d.status] ?? 'failed',
    step: failure?.step ?? d.step,
    reason: failure?.message ?? (d.status === 'rolled_back' ? 'provisioned again later' : d.status),
    at: d.finishedAt ?? d.startedAt,
    operator: d.operator,
  };
}

export function manifestInputFor(
  ws: Workstation,
  batch: BatchRow,
  thumbprint: string,
): ManifestInput {
  const store = ws.store;
  const profile = getProfile(batch.profile);
  const head = store.auditHead();
  if (!head) throw new Error('The audit trail is empty: the store is damaged.');
  // Aggregates in SQL: no device or audit row is held in memory (batches of 100k devices).
  const actors = store.auditActors(batch.id);
  const roles = new Map(store.listOperators().map((o) => [o.name, o.role]));
  const times = store.deviceTimes(batch.id);
  return {
    batch: {
      id: batch.id,
      name: batch.name,
      product: batch.product,
      status: batch.status,
      createdAt: batch.createdAt,
      createdBy: batch.createdBy,
      closedAt: batch.closedAt,
      firstDeviceAt: times.first,
      lastDeviceAt: times.last,
    },
    group: {
      issuerPublicKey: batch.ipk,
      gpk: batch.gpk,
      basename: batch.basename,
      gid: new Uint8Array(Buffer.from(gidOf(batch.gpk, batch.basename), 'hex')),
      curve: 'TPM_ECC_BN_P256',
      scheme: 'ECDAA',
    },
    layout: {
      profile: profile.name,
      handles: {
        key: profile.keyHandle,
        ...profile.nv,
        ...(profile.srkHandle === undefined ? {} : { srk: profile.srkHandle }),
      },
    },
    station: { id: ws.stationId, softwareVersion: VERSION, facilityKeyThumbprint: thumbprint },
    operators: [...actors].sort().map((name) => ({ name, role: roles.get(name) ?? 'unknown' })),
    audit: { seq: head.seq, hash: head.hash },
    provisioned: (function* () {
      for (const d of store.iterateDevices(batch.id, 'provisioned'))
        yield provisionedDevice(d, batch.basename, ekCertificateOf(store, d.rowId));
    })(),
    // A failed attempt of a TPM tried again later in the batch is history, not a rejection.
    rejected: (function* () {
      for (const d of store.iterateRejected(batch.id)) yield rejectedDevice(d);
    })(),
  };
}

/**
 * Exports a closed batch into `folder`: the signed manifest and its companions, written
 * atomically, read back and verified. An audit event records what was written.
 */
export async function exportBatch(
  ws: Workstation,
  operator: string,
  batchId: string,
  folder: string,
  options: { labels?: ExportLabel[]; pool?: CryptoPool } = {},
): Promise<ExportResult> {
  ws.requireRole(operator, 'export batches', ['supervisor']);
  const batch = requireBatch(ws, batchId);
  if (batch.status === 'open') {
    throw new BatchStateError(
      `Batch ${batch.name} is still open: close it first (ztp batch close), so the manifest is complete.`,
    );
  }
  const record = activeFacilityKey(ws.store);
  // The manifest states the head of the audit chain: record the export's start first.
  ws.store.audit({
    actor: operator,
    action: 'batch.export-started',
    batchId: batch.id,
    details: { folder },
  });
  const signer = openFacilitySigner(record, ws.keyring);
  let result: ExportResult;
  try {
    result = await writeExport(folder, manifestInputFor(ws, batch, record.thumbprint), {
      signer,
      labels: options.labels,
      verifyEcdaa: options.pool,
    });
  } catch (e) {
    // writeExport removed what it wrote; the trail says the export started and did not end.
    ws.store.audit({
      actor: operator,
      action: 'batch.export-failed',
      batchId: batch.id,
      details: { folder, error: (e as Error).message, facilityKey: record.thumbprint },
    });
    throw e;
  } finally {
    signer.wipe();
  }
  ws.store.transaction(() => {
    ws.store.updateBatchStatus(batch.id, {
      status: 'exported',
      exportedAt: new Date().toISOString(),
    });
    ws.store.audit({
      actor: operator,
      action: 'batch.exported',
      batchId: batch.id,
      details: {
        folder,
        files: result.files,
        verified: result.verification.ok,
        facilityKey: record.thumbprint,
      },
    });
  });
  return result;
}

export interface BatchExportReport {
  batchId: string;
  folder: string;
  /** The removable drive's device when `to` named one. */
  drive: string | null;
  files: { name: string; bytes: number; sha256: string }[];
  counts: { provisioned: number; rejected: number };
  merkleRoot: string;
  verified: boolean;
  ecdaaChecked: boolean;
  failures: { device?: string; field: string; reason: string }[];
}

/**
 * Exports to a folder, or to a removable drive named by its device, label or mount point
 * (`ztp drives` lists them): then into `ztp-batch-<id>/` on it. Label files go along.
 */
export async function exportBatchTo(
  ws: Workstation,
  operator: string,
  batchId: string,
  to: string,
  options: { labels?: boolean; pool?: CryptoPool } = {},
): Promise<BatchExportReport> {
  const batch = requireBatch(ws, batchId);
  const drive = findDrive(to, await listRemovableDrives().catch(() => []));
  const folder = drive ? exportFolderOnDrive(drive, batch.id) : path.resolve(to);
  const labels: ExportLabel[] = [];
  if (options.labels ?? true) {
    const info = labelInfoFor(ws, batch);
    for (const format of ['pdf', 'png', 'zpl'] as const) {
      labels.push({
        name: `batch.${format}`,
        bytes: await renderLabel(info, DEFAULT_TEMPLATE, format),
      });
    }
  }
  const result = await exportBatch(ws, operator, batch.id, folder, { labels, pool: options.pool });
  return {
    batchId: batch.id,
    folder,
    drive: drive?.device ?? null,
    files: result.files,
    counts: {
      provisioned: result.summary.counts.provisioned,
      rejected: result.summary.counts.rejected,
    },
    merkleRoot: Buffer.from(result.summary.merkleRoot).toString('hex'),
    verified: result.verification.ok,
    ecdaaChecked: result.verification.ecdaaChecked,
    failures: result.verification.failures,
  };
}
