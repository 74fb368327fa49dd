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
});
