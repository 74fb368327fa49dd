/**
 * The one IPC contract between the renderer and the main process: every channel's request
 * schema (validated at run time in main, before any handler runs) and response type, and every
 * event's payload type. The preload is generated from `CHANNELS` / `EVENTS` (see
 * src/main/preload/), the renderer imports the types, and the Chromium e2e harness bridges the
 * very same channels, so the three cannot drift.
 *
 * This module is shared with the sandboxed preload and the renderer: it may import nothing from
 * Node, electron or the engine except plain type-only data modules.
 */
import { z } from 'zod';
import type { ProvisionEvent } from '../engine/events.ts';

// ---- shared view types (plain data that crosses the bridge as it is) ----

export type Role = 'operator' | 'supervisor' | 'auditor';
export type BatchStatus = 'open' | 'closed' | 'exported';
export type DeviceStatus = 'in_progress' | 'provisioned' | 'failed' | 'rolled_back' | 'set_aside';
export const DEVICE_STATUSES: readonly DeviceStatus[] = [
  'in_progress',
  'provisioned',
  'failed',
  'rolled_back',
  'set_aside',
];

export interface AppStatus {
  initialized: boolean;
  unlocked: boolean;
  dataDir: string;
  stationId: string | null;
  operator: string | null;
  role: Role | null;
  /** The product version, shown in the footer and recorded in manifests. */
  version: string;
}

export interface FacilityKeyView {
  thumbprint: string;
  /** The thumbprint in groups of four, for writing down by hand. */
  fingerprint: string;
  createdAt: string;
  retiredAt: string | null;
}

export interface BatchView {
  id: string;
  name: string;
  product: string;
  notes: string;
  status: BatchStatus;
  profile: string;
  ekPolicy: 'require' | 'warn' | 'off';
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

export interface ProfileView {
  name: string;
  description: string;
  clientNote: string;
}

/** One line of the device table: small, so 100k of them page quickly. */
export interface DeviceListRow {
  rowId: number;
  deviceId: string;
  status: DeviceStatus;
  step: string;
  slot: string;
  tpmName: string;
  manufacturer: string;
  startedAt: string;
  finishedAt: string | null;
  failureMessage: string | null;
}

export interface DevicePage {
  /** Rows matching the filter in the whole batch. */
  total: number;
  offset: number;
  rows: DeviceListRow[];
}

export interface FailureView {
  step: string;
  code?: number;
  message: string;
  action: string;
  /** The technical detail (TPM name, socket error) behind the plain message. */
  detail?: string;
}

export interface DeviceDetailView {
  row: DeviceListRow;
  batchId: string;
  operator: string;
  /** The TPM's identity as read in step 1 (parsed JSON; EK public keys and certificates). */
  identity: unknown;
  memberPk: string | null;
  credential: string | null;
  credentialSignature: string | null;
  ekBinding: unknown;
  selftestMessage: string | null;
  selftestSignature: string | null;
  failure: FailureView | null;
  /** A supervisor's decision to set the device aside (a lost or failed TPM), with the reason. */
  setAside: { reason: string; by: string; at: string } | null;
  journal: { id: number; step: string; phase: string; data: unknown; at: string }[];
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  batchId: string | null;
  deviceId: string | null;
  details: string;
  hash: string;
}

export type AuditChainResult =
  { ok: true; count: number } | { ok: false; seq: number; reason: string };

export interface SlotView {
  slot: string;
  tpmName: string;
  /** Where the TPM is reached: a device path or an swtpm endpoint. */
  endpoint: string;
}

export interface StationState {
  running: boolean;
  stopping: boolean;
  batchId: string | null;
  slots: SlotView[];
  /** In-progress devices left by an interrupted run, which `station.resume` finishes. */
  interrupted: number;
}

/** A label template of resources/labels/ (src/labels/templates.ts), as the Labels screen lists it. */
export interface LabelTemplateView {
  name: string;
  description: string;
  /** 'batch': one label for the batch; 'device': one label per provisioned device. */
  kind: 'batch' | 'device';
  widthMm: number;
  heightMm: number;
  dpi: number;
  /** The template the app uses unless another is chosen (zebra-4x2). */
  isDefault: boolean;
}

export interface LabelPreview {
  batchId: string;
  /** The template the preview is drawn with; printing with it prints exactly this. */
  template: string;
  /** Labels a print makes: 1 for a batch template, one per provisioned device otherwise. */
  labels: number;
  /** What the QR code holds. */
  payload: string;
  /**
   * The (first) label as a PNG data URL at the template's dpi, dot for dot what a printer of
   * that resolution prints (`ztp label --format png`); the print itself is vector.
   */
  pngDataUrl: string;
  widthMm: number;
  heightMm: number;
  /** How often this label was printed already: a further print is a reprint. */
  printed: number;
}

export interface PrinterView {
  name: string;
  description: string;
  isDefault: boolean;
}

export interface PrintResult {
  printer: string;
  copies: number;
  /** The template printed with, and how many labels each copy has. */
  template: string;
  labels: number;
  /** The PDF written for the label files. */
  pdfPath: string | null;
  reprint: boolean;
}

export interface LabelCheck {
  match: boolean;
  /** What the camera read, and what the batch expects. */
  read: string;
  expected: string;
  message: string;
  /** The batch the label belongs to, when it is another batch of this workstation. */
  otherBatch: { id: string; name: string } | null;
}

export interface DriveView {
  id: string;
  label: string;
  mountPoint: string;
  sizeBytes: number | null;
  freeBytes: number | null;
}

export interface ExportResult {
  batchId: string;
  /** The drive written to (its id in `export.drives`) and the export folder on it. */
  driveId: string;
  folder: string;
  /** The manifest file on the drive. */
  file: string;
  /** Device records in the manifest: provisioned plus not provisioned. */
  devices: number;
  counts: { provisioned: number; rejected: number };
  /** Every file written, as SHA256SUMS lists it. */
  files: { name: string; bytes: number; sha256: string }[];
  bytes: number;
  merkleRoot: string;
  /** The key that signed the manifest: compare its fingerprint with the one written down. */
  facilityKey: { thumbprint: string; fingerprint: string };
  /** The manifest verified again from the drive, against this workstation's facility keys. */
  verification: {
    ok: boolean;
    ecdaaChecked: boolean;
    problems: string[];
    summary: string;
    seconds: number;
  };
}

export interface SettingsView {
  /** TPM endpoints by TPM name: device:/dev/tpmrmN, swtpm:tcp://HOST:PORT or swtpm:unix:/PATH. */
  tpmEndpoints: string[];
  /** Slots of the simulated fixture (0 = off). */
  simulatedSlots: number;
  ekTrustStoreDir: string;
  defaultPrinter: string | null;
  labelOutputDir: string;
}

// ---- request schemas ----

const text = (max: number) => z.string().trim().min(1).max(max);
const batchId = z.string().min(4).max(64);
const none = z.object({}).strict();
/** A built-in template's name (never a path: the renderer names no files). */
const templateName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a label template name, like zebra-4x2')
  .default('zebra-4x2');

export const NewBatchRequest = z
  .object({
    name: text(120),
    product: z.string().trim().max(120).default(''),
    notes: z.string().max(4000).default(''),
    /** Basename as text (UTF-8); empty means 32 random bytes. */
    basename: z.string().max(1024).default(''),
    profile: z.string().min(1).max(64),
    ekPolicy: z.enum(['require', 'warn', 'off']),
    /** Root XTT certificate: 32 hex digits of root id and the P-256 public key (PEM or hex). */
    rootId: z
      .string()
      .trim()
      .regex(/^([0-9a-fA-F]{32})?$/, 'the root id is 32 hex digits')
      .default(''),
    rootPublicKey: z.string().trim().max(4000).default(''),
    targetCount: z.number().int().min(1).max(10_000_000).nullable().default(null),
  })
  .strict();
export type NewBatchInput = z.input<typeof NewBatchRequest>;

/**
 * Sets a device aside (`ztp device set-aside`): the device by its record (`rowId`, as the device
 * table shows it) or by its device id (64 hex digits), and the supervisor's reason.
 */
export const SetAsideRequest = z
  .object({
    rowId: z.number().int().min(1).optional(),
    deviceId: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'the device id is 64 hex digits')
      .optional(),
    reason: text(500).regex(/^\P{Cc}*$/u, 'the reason is one line without control characters'),
  })
  .strict()
  .refine((r) => (r.rowId === undefined) !== (r.deviceId === undefined), {
    message: 'name the device by rowId or by deviceId, not both',
  });

/** `returns<Res>()(schema)`: a channel whose request is `schema` and whose answer is `Res`. */
const returns =
  <Res>() =>
  <Req extends z.ZodType>(request: Req) => ({ request, response: undefined as unknown as Res });

const status = z
  .enum(['in_progress', 'provisioned', 'failed', 'rolled_back', 'set_aside'])
  .nullable();

/** Channel name → request schema and response type. */
export const CHANNELS = {
  'app.status': returns<AppStatus>()(none),
  'app.init': returns<{ status: AppStatus; facilityKey: FacilityKeyView }>()(
    z.object({ passphrase: z.string().min(8).max(1024), supervisor: text(64) }).strict(),
  ),
  'app.unlock': returns<AppStatus>()(
    z.object({ operator: text(64), passphrase: z.string().min(1).max(1024) }).strict(),
  ),
  'app.lock': returns<AppStatus>()(none),
  'app.facilityKeys': returns<FacilityKeyView[]>()(none),
  'batches.list': returns<BatchView[]>()(none),
  'batches.profiles': returns<ProfileView[]>()(none),
  'batches.create': returns<BatchView>()(NewBatchRequest),
  'batches.get': returns<BatchView>()(z.object({ id: batchId }).strict()),
  'batches.close': returns<BatchView>()(
    z.object({ id: batchId, destroyIssuerKey: z.boolean() }).strict(),
  ),
  'devices.page': returns<DevicePage>()(
    z
      .object({
        batchId,
        offset: z.number().int().min(0),
        limit: z.number().int().min(1).max(1000),
        search: z.string().max(200),
        status,
      })
      .strict(),
  ),
  'devices.get': returns<DeviceDetailView>()(z.object({ rowId: z.number().int().min(1) }).strict()),
  'devices.setAside': returns<DeviceDetailView>()(SetAsideRequest),
  'audit.list': returns<{ entries: AuditEntry[]; total: number }>()(
    z
      .object({
        beforeSeq: z.number().int().min(1).nullable(),
        limit: z.number().int().min(1).max(1000),
        search: z.string().max(200),
      })
      .strict(),
  ),
  'audit.verify': returns<AuditChainResult>()(none),
  'station.state': returns<StationState>()(none),
  'station.start': returns<StationState>()(z.object({ batchId }).strict()),
  'station.stop': returns<StationState>()(none),
  'station.resume': returns<StationState>()(z.object({ batchId }).strict()),
  'labels.templates': returns<LabelTemplateView[]>()(none),
  'labels.preview': returns<LabelPreview>()(z.object({ batchId, template: templateName }).strict()),
  'labels.printers': returns<PrinterView[]>()(none),
  'labels.print': returns<PrintResult>()(
    z
      .object({
        batchId,
        template: templateName,
        printer: text(256),
        copies: z.number().int().min(1).max(500),
        reprintReason: z.string().trim().max(500),
      })
      .strict(),
  ),
  'labels.check': returns<LabelCheck>()(
    z.object({ batchId, read: z.string().min(1).max(8192) }).strict(),
  ),
  'export.drives': returns<DriveView[]>()(none),
  'export.run': returns<ExportResult>()(z.object({ batchId, driveId: text(4096) }).strict()),
  'settings.get': returns<SettingsView>()(none),
  'settings.set': returns<SettingsView>()(
    z
      .object({
        tpmEndpoints: z.array(text(512)).max(256),
        simulatedSlots: z.number().int().min(0).max(64),
        ekTrustStoreDir: z.string().trim().max(4096),
        defaultPrinter: text(256).nullable(),
      })
      .strict(),
  ),
} as const;

export type Channel = keyof typeof CHANNELS;
export type RequestOf<C extends Channel> = z.input<(typeof CHANNELS)[C]['request']>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof CHANNELS)[C]['request']>;
export type ResponseOf<C extends Channel> = (typeof CHANNELS)[C]['response'];

export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

/** Error codes a handler may answer with; the message is for people, the code for the UI. */
export type ErrorCode =
  | 'bad-request'
  | 'unknown-channel'
  | 'forbidden-sender'
  | 'not-initialized'
  | 'locked'
  | 'wrong-passphrase'
  | 'permission'
  | 'state'
  | 'not-found'
  | 'failed';

export type Result<T> =
  { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };

// ---- events (main → renderer) ----

export interface ExportProgress {
  batchId: string;
  phase: 'writing' | 'verifying' | 'done';
  devices: number;
  total: number;
}

export interface EventPayloads {
  provision: ProvisionEvent;
  'export.progress': ExportProgress;
  /** Something changed that list screens show (a batch, its counts, the audit log). */
  changed: { what: 'batches' | 'audit' | 'settings'; batchId?: string };
}
export type EventName = keyof EventPayloads;
export const EVENT_NAMES: EventName[] = ['provision', 'export.progress', 'changed'];

/** The API the preload puts on `window.ztp` (and the e2e harness provides the same way). */
export interface ZtpWindowApi {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/** The IPC channel names on the wire (Electron): one for calls, one for events. */
export const IPC_INVOKE = 'ztp:invoke';
export const IPC_EVENT = 'ztp:event';
