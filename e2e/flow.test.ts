/**
 * The desktop app end to end, in Debian Chromium against the real engine: simulated TPMs
 * (swtpm), a SQLite file, a fake printer, a fake USB drive and a fake camera fed with the
 * printed label. Screenshots of every screen go to .test-results/screenshots/ (docs/screenshots/
 * with ZTP_UPDATE_SCREENSHOTS=1); a failed test leaves its screenshot and app log in
 * .test-results/e2e-failures/ and attaches both to the test report.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportProgress } from '../src/main/ipc-contract.ts';
import { MANIFEST_FILE, SUMS_FILE } from '../src/manifest/export.ts';
import { parseFacilityPublicKey } from '../src/manifest/facility-key.ts';
import { FACILITY_KEY_FILE, verifyManifestFile } from '../src/manifest/verify.ts';
import { launchWorkstation, CHROMIUM, type Workstation } from './harness/app.ts';
import { rasterizePdf, writeCameraVideo } from './harness/camera.ts';
import { FAKE_PRINTER } from './harness/fake-printer.ts';
import { AppPages } from './harness/pages.ts';

const PASSPHRASE = 'correct horse battery';
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('desktop app in Chromium', () => {
  let ws: Workstation;
  let app: AppPages;

  beforeEach(async () => {
    ws = await launchWorkstation();
    app = new AppPages(ws.page);
  }, 120_000);
  afterEach(async () => {
    expect(ws.foreignRequests, 'the app made a network request').toEqual([]);
    expect(ws.cspViolations, 'the page broke its Content Security Policy').toEqual([]);
    await ws.close();
  });

  /**
   * A test whose failure leaves evidence: the screenshot and app log are taken in the test
   * itself, while the app still runs (vitest's onTestFailed hooks run after afterEach has
   * closed the browser), and attached to the report. A timeout aborts the test's signal,
   * which starts the same capture; `ws.close()` waits for it.
   */
  function appTest(name: string, timeout: number, body: () => Promise<void>): void {
    it(name, { timeout }, async ({ annotate, signal }) => {
      const onTimeout = () => void ws.captureFailure(name, signal.reason).catch(() => undefined);
      signal.addEventListener('abort', onTimeout, { once: true });
      try {
        await body();
      } catch (e) {
        // After a timeout the capture ran already, and the report takes no more annotations.
        if (signal.aborted) throw e;
        const files = await ws.captureFailure(name, e);
        console.error(
          `app log, last lines (all in ${files.log}):\n${ws.log.slice(-40).join('\n')}`,
        );
        await annotate('app log', { path: files.log, contentType: 'text/plain' });
        if (files.screenshot) {
          await annotate('screen at the failure', {
            path: files.screenshot,
            contentType: 'image/png',
          });
        }
        throw e;
      } finally {
        signal.removeEventListener('abort', onTimeout);
      }
    });
  }

  appTest(
    'first run → new batch → provision 8 TPMs → label print and read-back → close → export → verify',
    300_000,
    async () => {
      await ws.page.getByRole('heading', { name: 'Set up this workstation' }).waitFor();
      await ws.screenshot('00-first-run-setup');
      const fingerprint = await app.firstRun('Ada Supervisor', PASSPHRASE);
      await ws.screenshot('01-first-run-fingerprint');
      await app.continueAfterFingerprint();

      await app.setSimulatedSlots(8);
      await ws.screenshot('08-settings');

      await app.createBatch({ name: 'Order 4711', product: 'Gateway X2', target: '8' });
      await ws.screenshot('03-batches');

      await app.nav('Station');
      await app.startRun();
      await app.waitForRunFinished();
      await expect.poll(() => app.slotStates(), { timeout: 60_000 }).toEqual(Array(8).fill('Done'));
      // Each tile names the TPM it provisioned: maker and firmware from identify.
      expect(await app.slot(1).textContent()).toMatch(/IBM fw \d/);
      // Yield and throughput are in view with eight tiles at 1280×800, not below the fold.
      for (const region of [
        ws.page.getByRole('group', { name: 'Batch yield' }),
        ws.page.getByRole('img', { name: /^Throughput/ }),
        app.slot(8),
      ]) {
        const box = await region.boundingBox();
        expect(box && box.y + box.height).toBeLessThanOrEqual(800);
      }
      await ws.screenshot('04-station');

      // The batch detail: 8 provisioned devices, and one device's record.
      await app.nav('Batches');
      await app.openBatch('Order 4711');
      await expect.poll(() => app.deviceRowCount()).toBe(8);
      await app.openFirstDevice();
      await ws.screenshot('05-batch-detail');

      // Print the batch label to the fake printer, then read it back through the camera.
      await app.nav('Labels');
      await app.print(FAKE_PRINTER);
      expect(ws.printer.jobs).toHaveLength(1);
      // The printed page is vector (SVG in the print page): not one raster image in its PDF.
      const images = execFileSync('pdfimages', ['-list', ws.printer.jobs[0]!.file], {
        encoding: 'utf8',
      });
      expect(images.trim().split('\n')).toHaveLength(2);
      const png = await rasterizePdf(ws.printer.jobs[0]!.file, `${ws.dir}/printed-label`);
      writeCameraVideo(png, ws.cameraFile);
      await app.scanLabel();
      expect(await app.verdict()).toMatch(/^MATCH/);
      await ws.screenshot('06-labels-readback', { fullPage: true });

      await app.nav('Batches');
      await app.openBatch('Order 4711');
      await app.closeBatch();

      // Export to the fake USB stick; the app reads the manifest back and verifies it there.
      const phases: ExportProgress['phase'][] = [];
      ws.service.on('event', (name, e) => {
        if (name === 'export.progress') phases.push((e as ExportProgress).phase);
      });
      const verdict = await app.exportBatch('Order 4711', 'ZTP-EXPORT');
      expect(verdict).toMatch(/^VERIFIED/);
      expect(verdict).toContain('8 provisioned and 0 not provisioned devices');
      expect(verdict).toContain('every join proof, credential and self-test signature');
      expect(phases[0]).toBe('writing');
      expect(phases).toContain('verifying');
      expect(phases.at(-1)).toBe('done');
      const shownKey = await ws.page.getByLabel('Signing key fingerprint').textContent();
      expect(shownKey).toContain(fingerprint.trim());
      await ws.screenshot('10-export-verified', { fullPage: true });

      // Verify again without the app, as the receiving side would: the drive's folder, its
      // SHA256SUMS, and the manifest against the key whose fingerprint was written down.
      const folders = readdirSync(ws.drive.mountPoint).filter((n) => n.startsWith('ztp-batch-'));
      expect(folders).toHaveLength(1);
      const folder = path.join(ws.drive.mountPoint, folders[0]!);
      execFileSync('sha256sum', ['--check', '--strict', '--quiet', SUMS_FILE], { cwd: folder });
      const key = parseFacilityPublicKey(
        readFileSync(path.join(folder, FACILITY_KEY_FILE), 'utf8'),
      );
      expect(key.thumbprint).toBe(fingerprint.replace(/\s+/g, ''));
      const manifest = path.join(folder, MANIFEST_FILE);
      const report = await verifyManifestFile(manifest, { key });
      expect(report).toMatchObject({
        ok: true,
        ecdaaChecked: true,
        failures: [],
        kid: key.thumbprint,
        counts: { provisioned: 8, rejected: 0 },
        batch: { name: 'Order 4711', status: 'closed' },
      });
      // The same check fails on a manifest altered on the drive (so it is not vacuous).
      const altered = path.join(ws.dir, 'altered-manifest.json');
      const text = readFileSync(manifest, 'utf8');
      const at = text.indexOf('"payload":"') + 200;
      writeFileSync(
        altered,
        text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1),
      );
      expect((await verifyManifestFile(altered, { key, skipEcdaa: true })).ok).toBe(false);

      await app.nav('Audit log');
      await ws.page.getByRole('cell', { name: 'batch.export-verified' }).waitFor();
      await app.verifyAuditChain();
      await ws.screenshot('09-audit');
    },
  );

  appTest(
    'a wrong passphrase is refused, audited, and the right one unlocks',
    120_000,
    async () => {
      await app.firstRun('Ada Supervisor', PASSPHRASE);
      await app.continueAfterFingerprint();
      await ws.restart();
      app = new AppPages(ws.page);

      await app.unlock('Ada Supervisor', 'not the passphrase');
      const alert = app.alert();
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Wrong passphrase');
      await ws.screenshot('02-unlock-wrong-passphrase');

      await app.unlock('Ada Supervisor', PASSPHRASE);
      await ws.page.getByRole('navigation', { name: 'Main' }).waitFor();
      await app.nav('Audit log');
      await ws.page.getByRole('cell', { name: 'workstation.unlock-failed' }).waitFor();
      expect(await app.verifyAuditChain()).toContain('intact');
    },
  );

  appTest(
    'a TPM that fails mid-batch shows what happened and what to do; the others finish',
    180_000,
    async () => {
      await app.firstRun('Ada Supervisor', PASSPHRASE);
      await app.continueAfterFingerprint();
      await app.setSimulatedSlots(4);
      await app.createBatch({ name: 'Order 4712' });
      const instances = await ws.sim.instances();
      // Pull slot 3's TPM (stop its swtpm) the moment it starts joining the group.
      let pulled = false;
      ws.service.on('event', (name, e) => {
        const ev = e as { type: string; slot?: string; step?: string };
        if (
          name === 'provision' &&
          ev.type === 'slot' &&
          ev.slot === '3' &&
          ev.step === 'join' &&
          !pulled
        ) {
          pulled = true;
          void instances[2]!.stop();
        }
      });
      await app.nav('Station');
      await app.startRun();
      const summary = await app.waitForRunFinished();
      expect(pulled).toBe(true);
      expect(summary).toContain('3 provisioned, 1 failed');
      expect(await app.slotStates()).toEqual(['Done', 'Done', 'Failed', 'Done']);
      const tile = await app.slot(3).textContent();
      // The step by its name, the plain message, the advice the station can follow, the raw
      // detail last.
      expect(tile).toMatch(/Failed at: (Joining the group|Writing NV memory|Self-test signature)/);
      expect(tile).toMatch(/What happened: The TPM stopped answering/);
      expect(tile).toMatch(/What to do: .*start the run again/);
      expect(tile).not.toMatch(/run the slot again/);
      expect(tile).toContain('swtpm.sock');
      expect(summary).toContain('Red tiles say what to do; Start retries them.');
      await ws.screenshot('04b-station-failed-tpm');

      // The supervisor sets the failed TPM aside with a reason; then the batch closes.
      await app.nav('Batches');
      await app.openBatch('Order 4712');
      await app.openDeviceWithStatus('failed');
      await app.setDeviceAside('TPM pulled from slot 3 mid-join; kept for analysis', () =>
        ws.screenshot('05b-batch-detail-set-aside'),
      );
      await expect.poll(() => app.deviceRowCount()).toBe(0);
      await app.page.getByLabel('Status filter').selectOption({ label: 'set aside' });
      await expect.poll(() => app.deviceRowCount()).toBe(1);
      const setAside = ws.page.getByRole('status').filter({ hasText: /^Set aside by / });
      expect(await setAside.textContent()).toContain(
        'Set aside by Ada SupervisorTPM pulled from slot 3 mid-join; kept for analysis',
      );
      await app.closeBatch();
      expect(ws.service.listBatches()[0]).toMatchObject({
        status: 'closed',
        counts: { provisioned: 3, failed: 0, set_aside: 1 },
      });
    },
  );

  appTest(
    'a label from another batch reads back as a mismatch naming that batch',
    120_000,
    async () => {
      await app.firstRun('Ada Supervisor', PASSPHRASE);
      await app.continueAfterFingerprint();
      await app.createBatch({ name: 'Batch A' });
      await app.createBatch({ name: 'Batch B' });
      await app.nav('Labels');
      await app.selectLabelBatch('Batch A');
      // The Brother QL tape label this time: its vector page is printed and read back.
      await app.selectLabelTemplate('ql-62x29');
      await app.print(FAKE_PRINTER);
      const png = await rasterizePdf(ws.printer.jobs[0]!.file, `${ws.dir}/label-a`);
      writeCameraVideo(png, ws.cameraFile);

      await app.selectLabelBatch('Batch B');
      // Batch A's print result does not follow the operator to Batch B.
      await ws.page.getByRole('button', { name: 'Print label', exact: true }).waitFor();
      await expect
        .poll(() => ws.page.getByRole('status').filter({ hasText: 'Label printed' }).count())
        .toBe(0);
      await app.scanLabel();
      const verdict = await app.verdict();
      expect(verdict).toMatch(/^MISMATCH/);
      expect(verdict).toContain('belongs to batch Batch A');
      await ws.screenshot('07-labels-mismatch', { fullPage: true });
    },
  );
});
