import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CryptoPool } from '../../crypto/pool.ts';
import { closeBatch, createBatch, requireBatch, setAsideDevice } from '../../engine/batches.ts';
import { loadTrustStore } from '../../engine/ek-policy.ts';
import type { ProvisionEvent } from '../../engine/events.ts';
import { setUpFacilityKey } from '../../engine/facility.ts';
import { PROFILES } from '../../engine/profiles.ts';
import { Provisioner } from '../../engine/provision.ts';
import type { TpmOps } from '../../engine/tpm-ops.ts';
import { labelInfoFor, labelPrintCount, recordLabelPrint } from '../../engine/labels.ts';
import { batchSummary } from '../../engine/views.ts';
import { Workstation } from '../../engine/workstation.ts';
import { LABEL_AUDIT_ACTIONS } from '../../labels/audit.ts';
import { labelCount, layoutLabel } from '../../labels/layout.ts';
import { encodeLabelPayload, type LabelPayload } from '../../labels/payload.ts';
import { checkLabelPayload } from '../../labels/readback.ts';
import { renderPng } from '../../labels/render-png.ts';
import { renderLabel } from '../../labels/render.ts';
import { DEFAULT_TEMPLATE, listTemplates } from '../../labels/templates.ts';
import type { EcdaaVerifier } from '../../manifest/verify.ts';
import type { BatchRow, DeviceRow, Role } from '../../store/store.ts';
import { TpmNameError, parseTpmName, type TpmAddress } from '../../tpm/transport/open.ts';
import { VERSION } from '../../util/version.ts';
import type {
  AppStatus,
  AuditChainResult,
  AuditEntry,
  BatchView,
  DeviceDetailView,
  DevicePage,
  DriveView,
  EventName,
  EventPayloads,
  ExportProgress,
  ExportResult,
  FacilityKeyView,
  LabelCheck,
  LabelPreview,
  LabelTemplateView,
  ParsedRequestOf,
  PrinterView,
  PrintResult,
  ProfileView,
  SettingsView,
  SlotView,
  StationState,
} from '../ipc-contract.ts';
import { DeviceIndex, toListRow } from './device-index.ts';
import { AppError } from './errors.ts';
import { labelSvg } from './label-page.ts';

/** The TPMs at the fixture: real devices, swtpm endpoints, or the simulated fixture. */
export interface TpmFixture {
  /** The slots as the current settings describe them (starts simulated TPMs when needed). */
  slots(settings: SettingsView): Promise<SlotView[]>;
  /** Opens one slot's TPM by its `tpmName`. */
  open(tpmName: string): Promise<TpmOps>;
  close(): Promise<void>;
}

/**
 * Where printed labels go: Electron's silent printing in the app, a fake printer in the e2e
 * harness. The browser engine prints the label page (label-page.ts) built from `svgPages`,
 * one vector label per page at the label's size.
 */
export interface LabelPrinter {
  printers(): Promise<PrinterView[]>;
  print(job: {
    printer: string;
    copies: number;
    svgPages: string[];
    widthMm: number;
    heightMm: number;
    title: string;
  }): Promise<void>;
}

/** Removable drives for the export; the e2e harness points it at a fake drive. */
export interface DriveSource {
  list(): Promise<DriveView[]>;
}

/** One export of a closed batch to a removable drive, as the Export screen asks for it. */
export interface ExportJob {
  ws: Workstation;
  /** The signed-in supervisor (already checked), recorded in the audit trail. */
  operator: string;
  batchId: string;
  drive: DriveView;
  /** Worker threads for the ECDAA checks of the read-back verification. */
  pool: EcdaaVerifier;
  progress: (p: Omit<ExportProgress, 'batchId'>) => void;
}

/** The manifest export and its verification (src/engine/export.ts, src/manifest). */
export interface BatchExporter {
  exportBatch(job: ExportJob): Promise<ExportResult>;
}

export interface AppServiceOptions {
  dataDir: string;
  fixture: TpmFixture;
  printer: LabelPrinter;
  drives: DriveSource;
  exporter: BatchExporter;
  /** Worker threads for the pairing-heavy crypto (default: the number of cores). */
  poolSize?: number;
  /** scrypt cost for a new workstation (tests pass a cheaper one). */
  kdf?: { N: number; r: number; p: number };
}

const SETTINGS_KEY = 'app.settings';
const ALL_ROLES: Role[] = ['operator', 'supervisor', 'auditor'];

/** Groups of four for reading a thumbprint aloud or writing it down. */
export function fingerprintOf(thumbprint: string): string {
  return thumbprint.match(/.{1,4}/g)!.join(' ');
}

/**
 * Everything the desktop app does, in plain Node: the Electron main process (through ipcMain)
 * and the Chromium e2e harness (through page.exposeBinding) call this same class, so the tests
 * exercise the real engine, swtpm and SQLite. Each public method is one IPC channel, takes the
 * channel's already-validated request, and either returns the answer or throws an error whose
 * message a person can act on.
 */
export class AppService extends EventEmitter<{ event: [EventName, unknown] }> {
  readonly #opts: AppServiceOptions;
  readonly #ws: Workstation;
  #pool: CryptoPool | undefined;
  #session: { operator: string; role: Role } | undefined;
  #deviceIndex: DeviceIndex | undefined;
  #run: { provisioner: Provisioner; batchId: string; stopping: boolean } | undefined;
  #slots: SlotView[] = [];
  #exporting = false;

  constructor(options: AppServiceOptions) {
    super();
    this.#opts = options;
    this.#ws = Workstation.open(options.dataDir);
  }

  /** Emits a typed event to every window. */
  #emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    this.emit('event', event, payload);
  }

  get #cryptoPool(): CryptoPool {
    this.#pool ??= new CryptoPool(this.#opts.poolSize);
    return this.#pool;
  }

  async dispose(): Promise<void> {
    this.#run?.provisioner.stop();
    await this.#pool?.close();
    await this.#opts.fixture.close();
    this.#ws.close();
  }

  // ---- session ----

  #requireSession(action: string, roles: Role[] = ALL_ROLES): { operator: string; role: Role } {
    if (!this.#ws.initialized) {
      throw new AppError(
        'not-initialized',
        'The workstation is not set up yet: finish first-run set-up.',
      );
    }
    if (!this.#session || !this.#ws.unlocked) {
      throw new AppError(
        'locked',
        'The workstation is locked: unlock it with your name and the workstation passphrase.',
      );
    }
    this.#ws.requireRole(this.#session.operator, action, roles);
    return this.#session;
  }

  status(): AppStatus {
    const initialized = this.#ws.initialized;
    return {
      initialized,
      unlocked: initialized && this.#ws.unlocked && !!this.#session,
      dataDir: this.#ws.dataDir,
      stationId: initialized ? this.#ws.stationId : null,
      operator: this.#session?.operator ?? null,
      role: this.#session?.role ?? null,
      version: VERSION,
    };
  }

  async init(
    req: ParsedRequestOf<'app.init'>,
  ): Promise<{ status: AppStatus; facilityKey: FacilityKeyView }> {
    if (this.#ws.initialized) {
      throw new AppError(
        'state',
        `The workstation in ${this.#ws.dataDir} is already set up; unlock it instead.`,
      );
    }
    await this.#ws.init(req.passphrase, req.supervisor, this.#opts.kdf);
    const key = await setUpFacilityKey(this.#ws, req.supervisor);
    this.#session = { operator: req.supervisor, role: 'supervisor' };
    this.#emit('changed', { what: 'audit' });
    const record = this.#ws.store.listFacilityKeys().find((k) => k.thumbprint === key.thumbprint);
    return {
      status: this.status(),
      facilityKey: {
        thumbprint: key.thumbprint,
        fingerprint: fingerprintOf(key.thumbprint),
        createdAt: record?.createdAt ?? new Date().toISOString(),
        retiredAt: null,
      },
    };
  }

  async unlock(req: ParsedRequestOf<'app.unlock'>): Promise<AppStatus> {
    if (!this.#ws.initialized) {
      throw new AppError(
        'not-initialized',
        'The workstation is not set up yet: finish first-run set-up.',
      );
    }
    // The operator is checked before the passphrase so a typo in the name is not reported as
    // a wrong passphrase (which is audited as a failed unlock).
    const op = this.#ws.store.getOperator(req.operator);
    if (!op) {
      throw new AppError(
        'not-found',
        `There is no operator called '${req.operator}' on this workstation. Check the spelling, or ask a supervisor to add you.`,
      );
    }
    await this.#ws.unlock(req.passphrase);
    this.#session = { operator: op.name, role: op.role };
    this.#ws.store.audit({ actor: op.name, action: 'app.unlock', details: {} });
    this.#emit('changed', { what: 'audit' });
    return this.status();
  }

  lock(): AppStatus {
    if (this.#run) {
      throw new AppError(
        'state',
        'TPMs are being provisioned: stop the run and let it finish before locking.',
      );
    }
    if (this.#exporting) {
      throw new AppError('state', 'An export is running: wait for its verification result.');
    }
    if (this.#session) {
      this.#ws.store.audit({ actor: this.#session.operator, action: 'app.lock', details: {} });
    }
    this.#session = undefined;
    this.#ws.lock();
    return this.status();
  }

  facilityKeys(): FacilityKeyView[] {
    this.#requireSession('view facility keys');
    return this.#ws.store.listFacilityKeys().map((k) => ({
      thumbprint: k.thumbprint,
      fingerprint: fingerprintOf(k.thumbprint),
      createdAt: k.createdAt,
      retiredAt: k.retiredAt,
    }));
  }

  // ---- batches ----

  #view(b: BatchRow): BatchView {
    return batchSummary(this.#ws, b);
  }

  listBatches(): BatchView[] {
    this.#requireSession('view batches');
    return this.#ws.store.listBatches().map((b) => this.#view(b));
  }

  profiles(): ProfileView[] {
    return Object.values(PROFILES).map((p) => ({
      name: p.name,
      description: p.description,
      clientNote: p.clientNote,
    }));
  }

  getBatch(req: ParsedRequestOf<'batches.get'>): BatchView {
    this.#requireSession('view batches');
    return this.#view(this.#batch(req.id));
  }

  #batch(id: string): BatchRow {
    try {
      return requireBatch(this.#ws, id);
    } catch (e) {
      throw new AppError('not-found', (e as Error).message);
    }
  }

  async createBatch(req: ParsedRequestOf<'batches.create'>): Promise<BatchView> {
    const { operator } = this.#requireSession('create batches', ['supervisor']);
    let root: { id: Uint8Array; publicKey: Uint8Array } | undefined;
    if (req.rootId || req.rootPublicKey) {
      if (!req.rootId || !req.rootPublicKey) {
        throw new AppError(
          'bad-request',
          'Give both the root id and the root public key, or neither.',
        );
      }
      root = {
        id: Buffer.from(req.rootId, 'hex'),
        publicKey: parseP256PublicKey(req.rootPublicKey),
      };
    }
    const row = await createBatch(this.#ws, this.#cryptoPool, operator, {
      name: req.name,
      product: req.product || undefined,
      notes: req.notes,
      basename: req.basename ? new TextEncoder().encode(req.basename) : undefined,
      profile: req.profile,
      ekPolicy: req.ekPolicy,
      root,
      targetCount: req.targetCount ?? undefined,
    });
    this.#emit('changed', { what: 'batches', batchId: row.id });
    return this.#view(row);
  }

  closeBatch(req: ParsedRequestOf<'batches.close'>): BatchView {
    const { operator } = this.#requireSession('close batches', ['supervisor']);
    if (this.#run?.batchId === this.#batch(req.id).id) {
      throw new AppError('state', 'This batch is being provisioned right now: stop the run first.');
    }
    const row = closeBatch(this.#ws, operator, req.id, { destroyIssuerKey: req.destroyIssuerKey });
    this.#emit('changed', { what: 'batches', batchId: row.id });
    return this.#view(row);
  }

  // ---- devices ----

  devicePage(req: ParsedRequestOf<'devices.page'>): DevicePage {
    this.#requireSession('view devices');
    const batch = this.#batch(req.batchId);
    if (this.#deviceIndex?.batchId !== batch.id) {
      this.#deviceIndex = DeviceIndex.build(this.#ws.store, batch.id);
    }
    return this.#deviceIndex.page(req.offset, req.limit, req.search, req.status);
  }

  device(req: ParsedRequestOf<'devices.get'>): DeviceDetailView {
    this.#requireSession('view devices');
    const d = this.#ws.store.getDevice(req.rowId);
    if (!d) throw new AppError('not-found', `There is no device record ${req.rowId}.`);
    const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);
    const json = (s: string | null): unknown => {
      if (s === null) return null;
      try {
        return JSON.parse(s);
      } catch {
        return s;
      }
    };
    return {
      row: toListRow(d),
      batchId: d.batchId,
      operator: d.operator,
      identity: json(d.identity),
      memberPk: hex(d.memberPk),
      credential: hex(d.credential),
      credentialSignature: hex(d.credentialSignature),
      ekBinding: json(d.ekBinding),
      selftestMessage: hex(d.selftestMessage),
      selftestSignature: hex(d.selftestSignature),
      failure: json(d.failure) as DeviceDetailView['failure'],
      setAside: json(d.setAside) as DeviceDetailView['setAside'],
      journal: this.#ws.store.journal(d.rowId).map((j) => ({
        id: j.id,
        step: j.step,
        phase: j.phase,
        data: json(j.data),
        at: j.at,
      })),
    };
  }

  /**
   * Sets a lost or failed TPM's record aside, as `ztp device set-aside` does (supervisor only,
   * audited): its batch can then close, and the manifest lists it with the reason.
   */
  setAside(req: ParsedRequestOf<'devices.setAside'>): DeviceDetailView {
    const { operator } = this.#requireSession('set devices aside', ['supervisor']);
    const d = this.#deviceRecord(req);
    // The engine acts on the record that stands for the TPM in its batch, the newest one.
    const latest = this.#ws.store.findDevices(d.deviceId).find((r) => r.batchId === d.batchId);
    if (latest && latest.rowId !== d.rowId) {
      throw new AppError(
        'state',
        `This is an earlier attempt of device ${d.deviceId.slice(0, 16)}…; its latest record in the batch (${latest.status.replace('_', ' ')}) stands for it now.`,
      );
    }
    if (this.#run?.batchId === d.batchId) {
      throw new AppError(
        'state',
        'This batch is being provisioned right now: stop the run first, so no slot is working on the TPM.',
      );
    }
    const row = setAsideDevice(this.#ws, operator, d.deviceId, req.reason, {
      batchId: d.batchId,
    });
    if (this.#deviceIndex?.batchId === row.batchId) this.#deviceIndex = undefined;
    this.#emit('changed', { what: 'batches', batchId: row.batchId });
    this.#emit('changed', { what: 'audit', batchId: row.batchId });
    return this.device({ rowId: row.rowId });
  }

  /** A device record by row id, or the newest record of a device id. */
  #deviceRecord(req: { rowId?: number; deviceId?: string }): DeviceRow {
    if (req.rowId !== undefined) {
      const d = this.#ws.store.getDevice(req.rowId);
      if (!d) throw new AppError('not-found', `There is no device record ${req.rowId}.`);
      return d;
    }
    const id = req.deviceId!.toLowerCase();
    const d = this.#ws.store.findDevices(id).find((r) => r.deviceId === id);
    if (!d) {
      throw new AppError(
        'not-found',
        `There is no device ${id.slice(0, 16)}… on this workstation: check the id in the batch's device table.`,
      );
    }
    return d;
  }

  // ---- audit ----

  audit(req: ParsedRequestOf<'audit.list'>): { entries: AuditEntry[]; total: number } {
    this.#requireSession('view the audit log');
    const head = this.#ws.store.auditHead()?.seq ?? 0;
    const toEntry = (e: ReturnType<Workstation['store']['listAudit']>[number]): AuditEntry => ({
      seq: e.seq,
      at: e.at,
      actor: e.actor,
      action: e.action,
      batchId: e.batchId,
      deviceId: e.deviceId,
      details: e.details,
      hash: Buffer.from(e.hash).toString('hex'),
    });
    const before = req.beforeSeq ?? head + 1;
    const needle = req.search.trim().toLowerCase();
    if (!needle) {
      const from = Math.max(0, before - 1 - req.limit);
      const entries = this.#ws.store
        .listAudit({ afterSeq: from, limit: Math.min(req.limit, before - 1 - from) })
        .map(toEntry)
        .reverse();
      return { entries, total: head };
    }
    const matches = this.#ws.store
      .listAudit()
      .filter((e) => e.seq < before)
      .filter((e) =>
        `${e.actor} ${e.action} ${e.batchId ?? ''} ${e.deviceId ?? ''} ${e.details}`
          .toLowerCase()
          .includes(needle),
      );
    return { entries: matches.slice(-req.limit).reverse().map(toEntry), total: matches.length };
  }

  verifyAudit(): AuditChainResult {
    this.#requireSession('verify the audit log');
    return this.#ws.store.verifyAuditChain();
  }

  // ---- settings ----

  settings(): SettingsView {
    const raw = this.#ws.store.getSetting(SETTINGS_KEY);
    const defaults: SettingsView = {
      tpmEndpoints: [],
      simulatedSlots: 0,
      ekTrustStoreDir: '',
      defaultPrinter: null,
      labelOutputDir: path.join(this.#ws.dataDir, 'labels'),
    };
    if (!raw) return defaults;
    return {
      ...defaults,
      ...(JSON.parse(raw) as Partial<SettingsView>),
      labelOutputDir: defaults.labelOutputDir,
    };
  }

  setSettings(req: ParsedRequestOf<'settings.set'>): SettingsView {
    const { operator } = this.#requireSession('change settings', ['supervisor']);
    if (this.#run)
      throw new AppError('state', 'Settings cannot change while TPMs are being provisioned.');
    checkTpmEndpoints(req.tpmEndpoints);
    if (req.ekTrustStoreDir) loadTrustStore(req.ekTrustStoreDir);
    const next = { ...this.settings(), ...req };
    this.#ws.store.transaction(() => {
      this.#ws.store.setSetting(SETTINGS_KEY, JSON.stringify(next));
      this.#ws.store.audit({ actor: operator, action: 'settings.set', details: req });
    });
    this.#slots = [];
    this.#emit('changed', { what: 'settings' });
    return next;
  }

  // ---- station ----

  async stationState(): Promise<StationState> {
    this.#requireSession('use the station');
    if (this.#slots.length === 0) this.#slots = await this.#opts.fixture.slots(this.settings());
    return {
      running: !!this.#run,
      stopping: this.#run?.stopping ?? false,
      batchId: this.#run?.batchId ?? null,
      slots: this.#slots,
      interrupted: this.#ws.store.listInProgress().length,
    };
  }

  async startRun(req: ParsedRequestOf<'station.start'>, resumeOnly = false): Promise<StationState> {
    const { operator } = this.#requireSession('provision devices', ['operator', 'supervisor']);
    if (this.#run)
      throw new AppError('state', 'A run is already going: wait for it to finish, or stop it.');
    const batch = this.#batch(req.batchId);
    if (batch.status !== 'open') {
      throw new AppError(
        'state',
        `Batch ${batch.name} is ${batch.status}: choose an open batch to provision.`,
      );
    }
    const settings = this.settings();
    this.#slots = await this.#opts.fixture.slots(settings);
    if (this.#slots.length === 0) {
      throw new AppError(
        'state',
        'No TPM slots are configured: add TPM endpoints or the simulated fixture in Settings.',
      );
    }
    const provisioner = new Provisioner(this.#ws, {
      batchId: batch.id,
      operator,
      openTpm: (name) => this.#opts.fixture.open(name),
      pool: this.#cryptoPool,
      trustStore: settings.ekTrustStoreDir ? loadTrustStore(settings.ekTrustStoreDir) : undefined,
      resumeOnly,
      slotNames: this.#slots.map((s) => s.slot),
    });
    const run = { provisioner, batchId: batch.id, stopping: false };
    this.#run = run;
    provisioner.on('event', (e: ProvisionEvent) => {
      if (e.type === 'device' && this.#deviceIndex?.batchId === e.batchId)
        this.#deviceIndex = undefined;
      this.#emit('provision', e);
      if (e.type === 'device') this.#emit('changed', { what: 'batches', batchId: e.batchId });
    });
    // The run goes on in the background; the station screen follows it through events.
    void provisioner
      .run(this.#slots.map((s) => s.tpmName))
      .catch((e: unknown) => {
        this.#emit('provision', {
          type: 'run',
          state: 'finished',
          batchId: batch.id,
          provisioned: 0,
          failed: 0,
          skipped: this.#slots.length,
          elapsedMs: 0,
        });
        console.error('provisioning run failed:', e);
      })
      .finally(() => {
        if (this.#run === run) this.#run = undefined;
        this.#deviceIndex = undefined;
        this.#emit('changed', { what: 'batches', batchId: batch.id });
      });
    return this.stationState();
  }

  async stopRun(): Promise<StationState> {
    this.#requireSession('provision devices', ['operator', 'supervisor']);
    if (this.#run) {
      this.#run.stopping = true;
      this.#run.provisioner.stop();
    }
    return this.stationState();
  }

  // ---- labels ----

  labelTemplates(): LabelTemplateView[] {
    this.#requireSession('view labels');
    return listTemplates().map((t) => ({
      name: t.name,
      description: t.description,
      kind: t.kind,
      widthMm: t.widthMm,
      heightMm: t.heightMm,
      dpi: t.dpi,
      isDefault: t.name === DEFAULT_TEMPLATE,
    }));
  }

  /**
   * A batch's label(s) with a built-in template, as `ztp label` lays them out: the label info
   * from the engine (with the provisioned devices' ids for a per-device template) and one
   * layout per label.
   */
  #labels(batch: BatchRow, templateName: string) {
    const template = listTemplates().find((t) => t.name === templateName);
    if (!template) {
      const names = listTemplates().map((t) => t.name);
      throw new AppError(
        'bad-request',
        `There is no label template '${templateName}': choose one of ${names.join(', ')}.`,
      );
    }
    const info = labelInfoFor(this.#ws, batch, { withDevices: template.kind === 'device' });
    const count = labelCount(info, template);
    if (count === 0) {
      throw new AppError(
        'state',
        `Batch ${batch.name} has no provisioned devices yet, and ${template.name} prints one label per provisioned device: provision first, or choose a batch label template.`,
      );
    }
    const layouts = Array.from({ length: count }, (_, i) => layoutLabel(info, template, i));
    return { template, info, layouts };
  }

  labelPreview(req: ParsedRequestOf<'labels.preview'>): LabelPreview {
    this.#requireSession('view labels');
    const batch = this.#batch(req.batchId);
    const { template, layouts } = this.#labels(batch, req.template);
    const first = layouts[0]!;
    const png = renderPng(first);
    return {
      batchId: batch.id,
      template: template.name,
      labels: layouts.length,
      payload: payloadString(first.qr.payload),
      pngDataUrl: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
      widthMm: template.widthMm,
      heightMm: template.heightMm,
      printed: labelPrintCount(this.#ws, batch.id),
    };
  }

  printers(): Promise<PrinterView[]> {
    this.#requireSession('print labels');
    return this.#opts.printer.printers();
  }

  async print(req: ParsedRequestOf<'labels.print'>): Promise<PrintResult> {
    const session = this.#requireSession('print labels');
    const batch = this.#batch(req.batchId);
    const reprint = labelPrintCount(this.#ws, batch.id) > 0;
    if (reprint) {
      if (session.role !== 'supervisor') {
        throw new AppError(
          'permission',
          'This label was printed before: a reprint needs a supervisor. Ask one to sign in and reprint it with a reason.',
        );
      }
      if (!req.reprintReason) {
        throw new AppError(
          'bad-request',
          'This label was printed before: say why it is printed again (e.g. "label damaged").',
        );
      }
    }
    const { template, info, layouts } = this.#labels(batch, req.template);
    // The label file is the CLI's vector PDF (`ztp label --template T --format pdf`, byte for
    // byte); the printer gets the same layouts as vector SVG pages.
    const pdf = await renderLabel(info, template, 'pdf');
    await this.#opts.printer.print({
      printer: req.printer,
      copies: req.copies,
      svgPages: layouts.map(labelSvg),
      widthMm: template.widthMm,
      heightMm: template.heightMm,
      title: `Batch ${batch.name}`,
    });
    const dir = this.settings().labelOutputDir;
    mkdirSync(dir, { recursive: true });
    const pdfPath = path.join(dir, `batch-${batch.id}-${template.name}-${Date.now()}.pdf`);
    writeFileSync(pdfPath, pdf);
    recordLabelPrint(
      this.#ws,
      {
        type: reprint ? LABEL_AUDIT_ACTIONS.reprinted : LABEL_AUDIT_ACTIONS.printed,
        at: new Date().toISOString(),
        operator: session.operator,
        batchId: batch.id,
        printer: req.printer,
        copies: req.copies,
        template: template.name,
        format: 'pdf',
        ...(reprint ? { reason: req.reprintReason } : {}),
      },
      { pdf: path.basename(pdfPath) },
    );
    this.#emit('changed', { what: 'audit', batchId: batch.id });
    return {
      printer: req.printer,
      copies: req.copies,
      template: template.name,
      labels: layouts.length,
      pdfPath,
      reprint,
    };
  }

  checkLabel(req: ParsedRequestOf<'labels.check'>): LabelCheck {
    const session = this.#requireSession('check labels');
    const batch = this.#batch(req.batchId);
    // What a batch label of this batch encodes (no need to render one to know it).
    const expected = payloadString(encodeLabelPayload({ batchId: batch.id, gpk: batch.gpk }));
    // The same classification as `ztp label check`, with this workstation's batches to name.
    const check = checkLabelPayload(
      req.read,
      { batchId: batch.id, gpk: batch.gpk, batchName: batch.name },
      { findBatch: (id) => this.#ws.store.getBatch(id) },
    );
    const result: LabelCheck = {
      match: check.match,
      read: req.read,
      expected,
      otherBatch: check.otherBatch ?? null,
      message: check.match
        ? `The label matches batch ${batch.name}: its group public key is correct.`
        : asSentence(check.reason!),
    };
    this.#ws.store.audit({
      actor: session.operator,
      action: result.match ? 'label.check-match' : 'label.check-mismatch',
      batchId: batch.id,
      details: { kind: check.kind, otherBatch: result.otherBatch?.id },
    });
    this.#emit('changed', { what: 'audit', batchId: batch.id });
    return result;
  }

  // ---- export ----

  async drives(): Promise<DriveView[]> {
    this.#requireSession('export batches');
    return this.#opts.drives.list();
  }

  async exportBatch(req: ParsedRequestOf<'export.run'>): Promise<ExportResult> {
    // The same role check as the CLI's `ztp manifest export` (the engine checks it again).
    const { operator } = this.#requireSession('export batches', ['supervisor']);
    const batch = this.#batch(req.batchId);
    if (batch.status === 'open') {
      throw new AppError(
        'state',
        `Batch ${batch.name} is still open: close it first (Batches → Open → Close batch), so the manifest is complete.`,
      );
    }
    if (this.#exporting) {
      throw new AppError('state', 'An export is running: wait for its verification result.');
    }
    const drive = (await this.#opts.drives.list()).find((d) => d.id === req.driveId);
    if (!drive) {
      throw new AppError(
        'not-found',
        'That drive is gone: plug it in again and choose it from the list.',
      );
    }
    this.#exporting = true;
    try {
      const result = await this.#opts.exporter.exportBatch({
        ws: this.#ws,
        operator,
        batchId: batch.id,
        drive,
        pool: this.#cryptoPool,
        progress: (p) => this.#emit('export.progress', { batchId: batch.id, ...p }),
      });
      this.#emit('export.progress', {
        batchId: batch.id,
        phase: 'done',
        devices: result.devices,
        total: result.devices,
      });
      return result;
    } finally {
      this.#exporting = false;
      this.#emit('changed', { what: 'batches', batchId: batch.id });
      this.#emit('changed', { what: 'audit', batchId: batch.id });
    }
  }
}

/**
 * Refuses TPM endpoints the station could not open, before they are saved: each must be a TPM
 * name (src/tpm/transport/open.ts), a device with the kernel's resource manager (the app never
 * opens a raw /dev/tpmN), and each TPM in one slot only.
 */
function checkTpmEndpoints(endpoints: string[]): void {
  const seen = new Set<string>();
  endpoints.forEach((endpoint, i) => {
    const entry = `TPM endpoint ${i + 1} (${endpoint})`;
    let address: TpmAddress;
    try {
      address = parseTpmName(endpoint);
    } catch (e) {
      if (!(e instanceof TpmNameError)) throw e;
      throw new AppError('bad-request', `${entry}: ${e.message}.`);
    }
    if (address.kind === 'device' && address.raw) {
      throw new AppError(
        'bad-request',
        `${entry}: ${address.path} is the raw TPM device without the kernel's resource manager; use device:${address.path.replace('tpm', 'tpmrm')}.`,
      );
    }
    if (seen.has(endpoint)) {
      throw new AppError('bad-request', `${entry} is listed twice: give each TPM one line.`);
    }
    seen.add(endpoint);
  });
}

/** A label payload as the screen shows it: its text, or its bytes as Latin-1. */
function payloadString(payload: LabelPayload): string {
  return payload.text ?? Buffer.from(payload.bytes ?? []).toString('latin1');
}

/** A read-back reason ("the label belongs to …; take it off this box") as a sentence. */
function asSentence(reason: string): string {
  return reason.charAt(0).toUpperCase() + reason.slice(1) + (/[.!?]$/.test(reason) ? '' : '.');
}

/** A P-256 public key from PEM (SubjectPublicKeyInfo) or 130 hex digits. */
export function parseP256PublicKey(text: string): Uint8Array {
  const t = text.trim();
  if (t.includes('-----BEGIN PUBLIC KEY-----')) {
    const der = Buffer.from(t.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // P-256 SPKI: a 26-byte prefix, then the 65-byte uncompressed point.
    if (der.length !== 91) {
      throw new AppError(
        'bad-request',
        "The root public key PEM is not a P-256 key: paste the key from the customer's network.",
      );
    }
    return new Uint8Array(der.subarray(26));
  }
  if (/^(04)?[0-9a-fA-F]{128}$/.test(t)) {
    return Buffer.from(t.length === 128 ? '04' + t : t, 'hex');
  }
  throw new AppError(
    'bad-request',
    'The root public key must be a PEM "PUBLIC KEY" block or 130 hex digits starting with 04.',
  );
}
