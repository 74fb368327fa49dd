/**
 * The desktop app end to end, in Debian Chromium against the real engine: simulated TPMs
 * (swtpm), a SQLite file, a fake printer, a fake USB drive and a fake camera fed with the
 * printed label. Screenshots of every screen go to docs/screenshots/.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
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
    onTestFailed(async () => {
      console.error(`app log:\n${ws.log.join('\n')}`);
      await ws.screenshot('failure').catch(() => undefined);
    });
  }, 120_000);
  afterEach(async () => {
    expect(ws.foreignRequests, 'the app made a network request').toEqual([]);
    await ws.close();
  });

  it(
    'first run → new batch → provision 8 TPMs → label print and read-back → close',
    { timeout: 240_000 },
    async () => {
      await app.firstRun('Ada Supervisor', PASSPHRASE);
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
      const png = await rasterizePdf(ws.printer.jobs[0]!.file, `${ws.dir}/printed-label`);
      writeCameraVideo(png, ws.cameraFile);
      await app.scanLabel();
      expect(await app.verdict()).toMatch(/^MATCH/);
      await ws.screenshot('06-labels-readback');

      await app.nav('Batches');
      await app.openBatch('Order 4711');
      await app.closeBatch();

      await app.nav('Audit log');
      await app.verifyAuditChain();
      await ws.screenshot('09-audit');
    },
  );

  it(
    'a wrong passphrase is refused, audited, and the right one unlocks',
    { timeout: 120_000 },
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

  it(
    'a TPM that fails mid-batch shows what happened and what to do; the others finish',
    { timeout: 180_000 },
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
      expect(tile).toMatch(/What happened:/);
      expect(tile).toMatch(/What to do:/);
      await ws.screenshot('04b-station-failed-tpm');
    },
  );

  it(
    'a label from another batch reads back as a mismatch naming that batch',
    { timeout: 120_000 },
    async () => {
      await app.firstRun('Ada Supervisor', PASSPHRASE);
      await app.continueAfterFingerprint();
      await app.createBatch({ name: 'Batch A' });
      await app.createBatch({ name: 'Batch B' });
      await app.nav('Labels');
      await app.selectLabelBatch('Batch A');
      await app.print(FAKE_PRINTER);
      const png = await rasterizePdf(ws.printer.jobs[0]!.file, `${ws.dir}/label-a`);
      writeCameraVideo(png, ws.cameraFile);

      await app.selectLabelBatch('Batch B');
      await app.scanLabel();
      const verdict = await app.verdict();
      expect(verdict).toMatch(/^MISMATCH/);
      expect(verdict).toContain('belongs to batch Batch A');
      await ws.screenshot('07-labels-mismatch');
    },
  );
});
