/**
 * The IPC boundary without a browser: the dispatcher refuses unknown channels and invalid
 * payloads, answers every call with a result value, and the service's guards hold (locked,
 * roles) — against a real workstation in a temporary folder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTpmOps } from '../src/engine/tpm-adapter.ts';
import { CHANNEL_NAMES } from '../src/main/ipc-contract.ts';
import { AppService, type LabelPrinter } from '../src/main/services/app-service.ts';
import { createDispatcher, type Dispatch } from '../src/main/services/dispatcher.ts';
import { RemovableDriveSource } from '../src/main/services/drives.ts';
import { ManifestExporter } from '../src/main/services/exporter.ts';
import { Workstation } from '../src/engine/workstation.ts';
import { SettingsFixture } from '../src/main/services/fixture.ts';
import { requireBatch } from '../src/engine/batches.ts';
import { labelInfoFor } from '../src/engine/labels.ts';
import { layoutLabel, templateFields } from '../src/labels/layout.ts';
import { encodeDevicePayload, encodeTextPayload } from '../src/labels/payload.ts';
import { checkLabelPayload } from '../src/labels/readback.ts';
import { DEFAULT_TEMPLATE, loadTemplate } from '../src/labels/templates.ts';
import { runCli } from '../test/helpers/run-cli.ts';
import { fakePrinter } from '../test/labels/helpers.ts';

const PASS = 'correct horse battery';

describe('IPC dispatcher', () => {
  let dir: string;
  let service: AppService;
  let dispatch: Dispatch;
  let printJobs: Parameters<LabelPrinter['print']>[0][];

  beforeEach(() => {
    printJobs = [];
    dir = mkdtempSync(path.join(os.tmpdir(), 'ztp-ipc-'));
    service = new AppService({
      dataDir: path.join(dir, 'data'),
      fixture: new SettingsFixture((n) => openTpmOps(n)),
      printer: { printers: async () => [], print: async (job) => void printJobs.push(job) },
      drives: new RemovableDriveSource({ root: dir }),
      exporter: new ManifestExporter({ root: dir }),
      poolSize: 1,
      kdf: { N: 2 ** 14, r: 8, p: 1 },
    });
    dispatch = createDispatcher(service);
  });
  afterEach(async () => {
    await service.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses unknown channels and invalid payloads with result values', async () => {
    expect(await dispatch('fs.readFile', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown-channel' },
    });
    expect(await dispatch(42, {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    const extra = await dispatch('app.status', { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const short = await dispatch('app.init', { passphrase: 'short', supervisor: 'Ada' });
    expect(short).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(JSON.stringify(short)).toContain('passphrase');
  });

  it('every channel answers a garbage payload with a result, never a throw', async () => {
    for (const c of CHANNEL_NAMES) {
      const r = await dispatch(c, { garbage: [1, 2, 3] });
      expect(r.ok, c).toBe(false);
    }
  });

  it('guards: not initialized, locked, roles', async () => {
    expect(await dispatch('batches.list', {})).toMatchObject({
      ok: false,
      error: { code: 'not-initialized' },
    });
    const init = await dispatch('app.init', {
      passphrase: 'correct horse battery',
      supervisor: 'Ada',
    });
    expect(init.ok).toBe(true);
    expect(await dispatch('batches.list', {})).toEqual({ ok: true, value: [] });
    expect((await dispatch('app.lock', {})).ok).toBe(true);
    expect(await dispatch('batches.list', {})).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
    const wrong = await dispatch('app.unlock', { operator: 'Ada', passphrase: 'wrong one' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'wrong-passphrase' } });
    const nobody = await dispatch('app.unlock', {
      operator: 'Nobody',
      passphrase: 'correct horse battery',
    });
    expect(nobody).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(
      (await dispatch('app.unlock', { operator: 'Ada', passphrase: 'correct horse battery' })).ok,
    ).toBe(true);
    const bad = await dispatch('batches.create', {
      name: 'B',
      profile: 'no-such-profile',
      ekPolicy: 'warn',
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'failed' } });
    expect(JSON.stringify(bad)).toContain('Unknown layout profile');
  });

  /** A workstation with supervisor Ada, operator Olaf and one batch; returns its id. */
  async function workstationWithBatch(): Promise<string> {
    expect((await dispatch('app.init', { passphrase: PASS, supervisor: 'Ada' })).ok).toBe(true);
    const created = await dispatch('batches.create', {
      name: 'B1',
      profile: 'xtt-platform',
      ekPolicy: 'warn',
    });
    expect(created, JSON.stringify(created)).toMatchObject({ ok: true });
    const second = Workstation.open(path.join(dir, 'data'));
    try {
      second.addOperator('Ada', 'Olaf', 'operator');
    } finally {
      second.close();
    }
    return (created as { value: { id: string } }).value.id;
  }

  async function signIn(operator: string): Promise<void> {
    expect((await dispatch('app.lock', {})).ok).toBe(true);
    expect((await dispatch('app.unlock', { operator, passphrase: PASS })).ok).toBe(true);
  }

  it('a label printed by the CLI is a reprint in the app, and the other way round', async () => {
    const batchId = await workstationWithBatch();
    const printer = await fakePrinter();
    const cliPrint = (...args: string[]) =>
      runCli([
        'print',
        '--batch',
        batchId,
        '--data-dir',
        path.join(dir, 'data'),
        '--printer',
        `zpl://127.0.0.1:${printer.port}`,
        ...args,
      ]);
    try {
      const first = await cliPrint('--operator', 'Olaf');
      expect(first.code, first.stderr).toBe(0);
      expect(await dispatch('labels.preview', { batchId })).toMatchObject({
        ok: true,
        value: { printed: 1 },
      });
      const request = { batchId, printer: 'Fake', copies: 1, reprintReason: '' };
      await signIn('Olaf');
      expect(await dispatch('labels.print', request)).toMatchObject({
        ok: false,
        error: { code: 'permission' },
      });
      await signIn('Ada');
      expect(await dispatch('labels.print', request)).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
      expect(
        await dispatch('labels.print', { ...request, reprintReason: 'label torn' }),
      ).toMatchObject({ ok: true, value: { reprint: true } });

      // Both programs record the same actions, and the CLI counts the app's print too.
      const again = await cliPrint('--operator', 'Ada');
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/printed 2 times already .*--reprint --reason TEXT/);
      const ws = Workstation.open(path.join(dir, 'data'));
      try {
        expect(
          ws.store
            .listAudit({ batchId })
            .filter((e) => e.action.startsWith('label.'))
            .map((e) => [e.actor, e.action]),
        ).toEqual([
          ['Olaf', 'label.printed'],
          ['Ada', 'label.reprinted'],
        ]);
      } finally {
        ws.close();
      }
    } finally {
      await printer.close();
    }
  }, 60_000);

  it("the label preview is the CLI's label: facility name, date and counts from the engine", async () => {
    const batchId = await workstationWithBatch();
    const ws = Workstation.open(path.join(dir, 'data'));
    try {
      ws.store.setSetting('facility.name', 'Line 2, Eindhoven');
    } finally {
      ws.close();
    }
    const preview = await dispatch('labels.preview', { batchId });
    expect(preview.ok).toBe(true);
    const png = (preview as { value: { pngDataUrl: string } }).value.pngDataUrl;
    const out = path.join(dir, 'cli-label.png');
    const cli = await runCli([
      'label',
      '--batch',
      batchId,
      '--data-dir',
      path.join(dir, 'data'),
      '--template',
      DEFAULT_TEMPLATE,
      '--out',
      out,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(png).toBe(`data:image/png;base64,${readFileSync(out).toString('base64')}`);
    const check = Workstation.open(path.join(dir, 'data'));
    try {
      const info = labelInfoFor(check, requireBatch(check, batchId));
      expect(info.facility).toBe('Line 2, Eindhoven');
      const fields = templateFields(info);
      const texts = layoutLabel(info, loadTemplate(DEFAULT_TEMPLATE)).texts.map((t) => t.text);
      expect(texts.join('\n')).toContain('Line 2, Eindhoven');
      expect(texts.join('\n')).toContain(fields.date!);
    } finally {
      check.close();
    }
  }, 60_000);

  it("the label template is chosen, and the label file is ztp label's vector PDF", async () => {
    const batchId = await workstationWithBatch();
    const templates = await dispatch('labels.templates', {});
    expect(templates).toMatchObject({ ok: true });
    const list = (templates as { value: { name: string; isDefault: boolean }[] }).value;
    expect(list.map((t) => t.name)).toEqual(['device-62x29', 'ql-62x29', 'zebra-4x2', 'zebra-4x6']);
    expect(list.filter((t) => t.isDefault).map((t) => t.name)).toEqual([DEFAULT_TEMPLATE]);
    const cliLabel = async (template: string, format: string) => {
      const out = path.join(dir, `cli-${template}.${format}`);
      const r = await runCli([
        'label',
        '--batch',
        batchId,
        '--data-dir',
        path.join(dir, 'data'),
        '--template',
        template,
        '--format',
        format,
        '--out',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out);
    };

    // The preview follows the template: ztp label's PNG of that template.
    const preview = await dispatch('labels.preview', { batchId, template: 'ql-62x29' });
    expect(preview).toMatchObject({
      ok: true,
      value: { template: 'ql-62x29', labels: 1, widthMm: 62, heightMm: 29 },
    });
    expect((preview as { value: { pngDataUrl: string } }).value.pngDataUrl).toBe(
      `data:image/png;base64,${(await cliLabel('ql-62x29', 'png')).toString('base64')}`,
    );
    // Built-in names only; a per-device template needs provisioned devices.
    for (const template of ['../../etc/passwd', 'x.json', '']) {
      expect(await dispatch('labels.preview', { batchId, template })).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
    }
    expect(await dispatch('labels.preview', { batchId, template: 'no-such' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringContaining('zebra-4x2') },
    });
    const perDevice = await dispatch('labels.preview', { batchId, template: 'device-62x29' });
    expect(perDevice).toMatchObject({ ok: false, error: { code: 'state' } });
    expect(JSON.stringify(perDevice)).toContain('no provisioned devices yet');

    // The print: vector SVG pages to the printer, ztp label's PDF as the label file, the
    // template in the audit trail.
    const printed = await dispatch('labels.print', {
      batchId,
      template: 'zebra-4x6',
      printer: 'Fake',
      copies: 2,
      reprintReason: '',
    });
    expect(printed).toMatchObject({
      ok: true,
      value: { template: 'zebra-4x6', labels: 1, copies: 2, reprint: false },
    });
    expect(printJobs).toHaveLength(1);
    expect(printJobs[0]).toMatchObject({ copies: 2, widthMm: 101.6, heightMm: 152.4 });
    expect(printJobs[0]!.svgPages).toHaveLength(1);
    expect(printJobs[0]!.svgPages[0]).toMatch(/^<svg [^>]*width="101.6mm" height="152.4mm"/);
    expect(printJobs[0]!.svgPages[0]).not.toMatch(/<image|data:/);
    const file = (printed as { value: { pdfPath: string } }).value.pdfPath;
    expect(readFileSync(file).equals(await cliLabel('zebra-4x6', 'pdf'))).toBe(true);
    const ws = Workstation.open(path.join(dir, 'data'));
    try {
      const [event] = ws.store.listAudit({ batchId }).filter((e) => e.action === 'label.printed');
      expect(JSON.parse(event!.details)).toMatchObject({
        template: 'zebra-4x6',
        format: 'pdf',
        copies: 2,
        pdf: path.basename(file),
      });
    } finally {
      ws.close();
    }
  }, 60_000);

  it('the read-back names what was scanned, with the same reasons as ztp label check', async () => {
    const batchId = await workstationWithBatch();
    const b2 = await dispatch('batches.create', {
      name: 'B2',
      profile: 'xtt-platform',
      ekPolicy: 'warn',
    });
    expect(b2.ok).toBe(true);
    const other = (b2 as { value: { id: string } }).value.id;
    const ws = Workstation.open(path.join(dir, 'data'));
    const [gpk, otherGpk] = [batchId, other].map((id) => requireBatch(ws, id).gpk) as [
      Uint8Array,
      Uint8Array,
    ];
    ws.close();
    const check = async (read: string) => {
      const r = await dispatch('labels.check', { batchId, read });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      return (r as { value: { match: boolean; message: string; otherBatch: unknown } }).value;
    };
    const expected = { batchId, gpk, batchName: 'B1' };
    const reads = {
      match: ` ${encodeTextPayload({ batchId, gpk })}\n`,
      otherBatch: encodeTextPayload({ batchId: other, gpk: otherGpk }),
      counterfeit: encodeTextPayload({ batchId, gpk: otherGpk }),
      device: encodeDevicePayload('ab'.repeat(32)),
      foreign: 'WIFI:S:guest;T:WPA;P:secret;;',
    };
    const ok = await check(reads.match);
    expect(ok).toMatchObject({ match: true, otherBatch: null });
    const wrong = await check(reads.otherBatch);
    expect(wrong).toMatchObject({ match: false, otherBatch: { id: other, name: 'B2' } });
    expect(wrong.message).toMatch(/^The label belongs to batch B2 \(.{8}\), not to batch B1 /);
    const forged = await check(reads.counterfeit);
    expect(forged).toMatchObject({ match: false, otherBatch: null });
    expect(forged.message).toMatch(
      /^The label names batch B1 .* different group key .*counterfeit or damaged/,
    );
    expect((await check(reads.device)).message).toMatch(/^This is a per-device label/);
    expect((await check(reads.foreign)).message).toMatch(/^This QR code is not a ZTP label/);
    // Each message is the engine's reason, as `ztp label check` prints it after "MISMATCH: ".
    const find = (id: string) => (id === other ? { id, name: 'B2', gpk: otherGpk } : undefined);
    for (const read of [reads.otherBatch, reads.counterfeit, reads.device, reads.foreign]) {
      const reason = checkLabelPayload(read, expected, { findBatch: find }).reason!;
      expect((await check(read)).message).toBe(`${reason[0]!.toUpperCase()}${reason.slice(1)}.`);
    }
  });

  it('a supervisor sets a lost or failed device aside, and then the batch closes', async () => {
    const batchId = await workstationWithBatch();
    // Two records as runs leave them: a TPM pulled mid-run (in progress) and one that failed.
    const lostId = 'a1'.repeat(32);
    const failedId = 'b2'.repeat(32);
    const ws = Workstation.open(path.join(dir, 'data'));
    let failedRow: number;
    try {
      const device = { batchId, step: 'join', tpmName: 'swtpm:unix:/tmp/x', identity: '{}' };
      ws.store.insertDevice({ ...device, deviceId: lostId, slot: '1', operator: 'Ada' });
      failedRow = ws.store.insertDevice({
        ...device,
        deviceId: failedId,
        slot: '2',
        operator: 'Ada',
      });
      ws.store.updateDevice(failedRow, {
        status: 'failed',
        failure: JSON.stringify({ step: 'join', message: 'gone', action: 'retry' }),
      });
    } finally {
      ws.close();
    }
    const counts = async () =>
      ((await dispatch('batches.get', { id: batchId })) as { value: { counts: object } }).value
        .counts;
    const refused = await dispatch('batches.close', { id: batchId, destroyIssuerKey: false });
    expect(refused).toMatchObject({ ok: false, error: { code: 'state' } });
    expect(JSON.stringify(refused)).toContain('set it aside');

    // The payload: one way to name the device, and a one-line reason of 1 to 500 characters.
    for (const bad of [
      { reason: 'lost' },
      { rowId: failedRow, deviceId: failedId, reason: 'lost' },
      { deviceId: 'a1'.repeat(31), reason: 'lost' },
      { deviceId: lostId, reason: '   ' },
      { deviceId: lostId, reason: 'x'.repeat(501) },
      { deviceId: lostId, reason: 'two\nlines' },
      { rowId: 0, reason: 'lost' },
    ]) {
      const r = await dispatch('devices.setAside', bad);
      expect(r, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect(await dispatch('devices.setAside', { rowId: 9999, reason: 'lost' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(
      await dispatch('devices.setAside', { deviceId: 'c3'.repeat(32), reason: 'lost' }),
    ).toMatchObject({ ok: false, error: { code: 'not-found' } });

    // Only a supervisor, as in the CLI.
    await signIn('Olaf');
    expect(await dispatch('devices.setAside', { deviceId: lostId, reason: 'lost' })).toMatchObject({
      ok: false,
      error: { code: 'permission' },
    });
    await signIn('Ada');
    const lost = await dispatch('devices.setAside', {
      deviceId: lostId.toUpperCase(),
      reason: 'TPM dropped on the floor, cracked',
    });
    expect(lost).toMatchObject({
      ok: true,
      value: {
        row: { deviceId: lostId, status: 'set_aside' },
        setAside: { reason: 'TPM dropped on the floor, cracked', by: 'Ada' },
      },
    });
    expect(await counts()).toMatchObject({ in_progress: 0, failed: 1, set_aside: 1 });
    // A record that is set aside already is not set aside again.
    expect(await dispatch('devices.setAside', { deviceId: lostId, reason: 'again' })).toMatchObject(
      { ok: false, error: { code: 'state' } },
    );
    expect(
      await dispatch('devices.setAside', { rowId: failedRow, reason: 'fails every time' }),
    ).toMatchObject({ ok: true, value: { row: { status: 'set_aside' } } });
    expect(await counts()).toMatchObject({ in_progress: 0, failed: 0, set_aside: 2 });
    const page = await dispatch('devices.page', {
      batchId,
      offset: 0,
      limit: 10,
      search: '',
      status: 'set_aside',
    });
    expect(page).toMatchObject({ ok: true, value: { total: 2 } });

    const closed = await dispatch('batches.close', { id: batchId, destroyIssuerKey: false });
    expect(closed).toMatchObject({ ok: true, value: { status: 'closed' } });
    // Closed: nothing more is set aside.
    const late = await dispatch('devices.setAside', { rowId: failedRow, reason: 'late' });
    expect(late).toMatchObject({ ok: false, error: { code: 'state' } });
    const audit = Workstation.open(path.join(dir, 'data'));
    try {
      expect(
        audit.store
          .listAudit({ batchId })
          .filter((e) => e.action === 'device.set-aside')
          .map((e) => [e.actor, e.deviceId]),
      ).toEqual([
        ['Ada', lostId],
        ['Ada', failedId],
      ]);
    } finally {
      audit.close();
    }
  });

  it('settings refuse a TPM endpoint that is not a TPM name, naming the entry', async () => {
    expect((await dispatch('app.init', { passphrase: PASS, supervisor: 'Ada' })).ok).toBe(true);
    const base = { simulatedSlots: 0, ekTrustStoreDir: '', defaultPrinter: null };
    const good = [
      'device:/dev/tpmrm0',
      'swtpm:tcp://127.0.0.1:2321',
      'swtpm:unix:/run/ztp/tpm0.sock',
    ];
    for (const [endpoints, message] of [
      [
        ['device:/dev/tpmrm0', '/dev/tpmrm1'],
        /^TPM endpoint 2 \(\/dev\/tpmrm1\): .*not a TPM name.*Use device:\/dev\/tpmrmN, swtpm:tcp:\/\/HOST:PORT or swtpm:unix:\/PATH/,
      ],
      [['127.0.0.1:2321'], /^TPM endpoint 1 \(127\.0\.0\.1:2321\): .*not a TPM name/],
      [['swtpm:tcp://127.0.0.1'], /^TPM endpoint 1 .*swtpm: is followed by tcp:\/\/HOST:PORT/],
      [['device:/dev/tpm0'], /^TPM endpoint 1 .*raw TPM device.*use device:\/dev\/tpmrm0/],
      [['device:/dev/tpmrm0', 'device:/dev/tpmrm0'], /^TPM endpoint 2 .* is listed twice/],
    ] as [string[], RegExp][]) {
      const r = await dispatch('settings.set', { ...base, tpmEndpoints: endpoints });
      expect(r, endpoints.join()).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect((r as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(await dispatch('settings.get', {})).toMatchObject({
      ok: true,
      value: { tpmEndpoints: [] },
    });
    expect(await dispatch('settings.set', { ...base, tpmEndpoints: good })).toMatchObject({
      ok: true,
      value: { tpmEndpoints: good },
    });
  });

  it('an export takes a supervisor and a closed batch, as in the CLI', async () => {
    expect((await dispatch('app.init', { passphrase: PASS, supervisor: 'Ada' })).ok).toBe(true);
    const created = await dispatch('batches.create', {
      name: 'B1',
      profile: 'xtt-platform',
      ekPolicy: 'warn',
    });
    expect(created, JSON.stringify(created)).toMatchObject({ ok: true });
    const batchId = (created as { value: { id: string } }).value.id;
    // An open batch would give an incomplete manifest.
    const open = await dispatch('export.run', { batchId, driveId: '/dev/sdz1' });
    expect(open).toMatchObject({ ok: false, error: { code: 'state' } });
    expect(JSON.stringify(open)).toContain('close it first');

    // An operator (added the way `ztp operator add` does) may not export at all.
    const second = Workstation.open(path.join(dir, 'data'));
    try {
      second.addOperator('Ada', 'Olaf', 'operator');
    } finally {
      second.close();
    }
    expect((await dispatch('app.lock', {})).ok).toBe(true);
    expect((await dispatch('app.unlock', { operator: 'Olaf', passphrase: PASS })).ok).toBe(true);
    const denied = await dispatch('export.run', { batchId, driveId: '/dev/sdz1' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'permission' } });
  });
});
