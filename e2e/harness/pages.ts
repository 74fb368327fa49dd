import type { Locator, Page } from 'playwright-core';

/**
 * Page objects for the app's screens. Every step locates controls by role and accessible name
 * (as an operator with a screen reader would find them) and waits for what the app shows,
 * never for a fixed time.
 */
export class AppPages {
  constructor(readonly page: Page) {}

  button(name: string | RegExp): Locator {
    return this.page.getByRole('button', { name, exact: typeof name === 'string' });
  }

  async nav(label: string): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: label, exact: true })
      .click();
  }

  // ---- first run, unlock ----

  async firstRun(supervisor: string, passphrase: string): Promise<string> {
    const p = this.page;
    await p.getByRole('heading', { name: 'Set up this workstation' }).waitFor();
    await p.getByLabel("First supervisor's name").fill(supervisor);
    await p.getByLabel('Workstation passphrase', { exact: true }).fill(passphrase);
    await p.getByLabel('Passphrase again').fill(passphrase);
    await this.button('Create workstation and facility key').click();
    const fp = p.getByLabel('Facility key fingerprint');
    await fp.waitFor();
    return (await fp.textContent()) ?? '';
  }

  async continueAfterFingerprint(): Promise<void> {
    await this.page.getByLabel('I have written the fingerprint down').check();
    await this.button('Continue to the workstation').click();
    await this.page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  async unlock(operator: string, passphrase: string): Promise<void> {
    const p = this.page;
    await p.getByRole('heading', { name: 'Unlock the workstation' }).waitFor();
    await p.getByLabel('Your name').fill(operator);
    await p.getByLabel('Workstation passphrase').fill(passphrase);
    await this.button('Unlock').click();
  }

  alert(): Locator {
    return this.page.getByRole('alert').first();
  }

  // ---- settings ----

  async setSimulatedSlots(n: number): Promise<void> {
    await this.nav('Settings');
    await this.page.getByLabel('Simulated fixture slots').fill(String(n));
    await this.button('Save settings').click();
    await this.page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
  }

  // ---- batches ----

  async createBatch(b: { name: string; product?: string; target?: string }): Promise<void> {
    await this.nav('Batches');
    await this.button('New batch').click();
    const p = this.page;
    await p.getByLabel('Batch name').fill(b.name);
    if (b.product) await p.getByLabel('Product').fill(b.product);
    if (b.target) await p.getByLabel('Target count').fill(b.target);
    await this.button('Create batch').click();
    await p
      .getByRole('table', { name: 'Batches' })
      .getByRole('rowheader')
      .filter({ hasText: b.name })
      .waitFor();
  }

  async openBatch(name: string): Promise<void> {
    await this.button(`Open batch ${name}`).click();
    await this.page.getByRole('heading', { name, level: 1 }).waitFor();
  }

  async deviceRowCount(): Promise<number> {
    const grid = this.page.getByRole('grid', { name: 'Devices' });
    await grid.waitFor();
    return Number(await grid.getAttribute('aria-rowcount'));
  }

  async openFirstDevice(): Promise<void> {
    const row = this.page.getByRole('grid', { name: 'Devices' }).getByRole('row').first();
    await row.getByRole('gridcell').first().filter({ hasNotText: 'Loading' }).waitFor();
    await row.click();
    await this.page.getByRole('heading', { name: /^Device / }).waitFor();
  }

  /** Opens the first device with this status (the table filtered by it). */
  async openDeviceWithStatus(status: string): Promise<void> {
    await this.page.getByLabel('Status filter').selectOption({ label: status });
    await this.openFirstDevice();
  }

  /**
   * Sets the open device aside with a reason, from the keyboard (`beforeSubmit` runs while the
   * form is filled in), and waits for the result.
   */
  async setDeviceAside(reason: string, beforeSubmit?: () => Promise<void>): Promise<void> {
    await this.button('Set aside…').click();
    const p = this.page;
    await p.getByRole('dialog', { name: /^Set device .* aside\?$/ }).waitFor();
    await p.keyboard.type(reason);
    await beforeSubmit?.();
    await p.keyboard.press('Enter');
    await p
      .getByRole('status')
      .filter({ hasText: /^Set aside by / })
      .waitFor();
  }

  async closeBatch(): Promise<void> {
    await this.button('Close batch').click();
    await this.button('Close the batch').click();
    await this.page.getByText('Closed', { exact: true }).first().waitFor();
  }

  // ---- station ----

  async startRun(): Promise<void> {
    await this.button('Start').click();
  }

  async waitForRunFinished(timeout = 180_000): Promise<string> {
    const notice = this.page.getByRole('status').filter({ hasText: 'Run finished' });
    await notice.waitFor({ timeout });
    return (await notice.textContent()) ?? '';
  }

  async slotStates(): Promise<string[]> {
    return this.page.getByRole('status', { name: /^Slot \d+ status$/ }).allTextContents();
  }

  slot(n: number): Locator {
    return this.page.getByRole('article', { name: `Slot ${n}` });
  }

  // ---- labels ----

  async print(printer: string, reason?: string): Promise<void> {
    const p = this.page;
    await p.getByRole('img', { name: /^Label for batch/ }).waitFor();
    await p.getByLabel('Printer').selectOption(printer);
    if (reason !== undefined) {
      await p.getByLabel('Reason for the reprint').fill(reason);
      await this.button('Reprint label').click();
      await p.getByRole('status').filter({ hasText: 'Label reprinted' }).waitFor();
    } else {
      await this.button('Print label').click();
      await p.getByRole('status').filter({ hasText: 'Label printed' }).waitFor();
    }
  }

  async scanLabel(): Promise<void> {
    await this.button('Scan label with camera').click();
  }

  async verdict(timeout = 90_000): Promise<string> {
    const v = this.page.getByRole('alert', { name: /^Label (matches|mismatch)$/ });
    await v.waitFor({ timeout });
    return (await v.textContent()) ?? '';
  }

  /** Chooses the label template and waits for the preview drawn with it. */
  async selectLabelTemplate(name: string): Promise<void> {
    await this.page.getByLabel('Label template').selectOption(name);
    await this.page
      .getByRole('img', { name: new RegExp(`^Label for batch .* \\(${name}\\)$`) })
      .waitFor();
  }

  async selectLabelBatch(name: string): Promise<void> {
    await this.page.getByLabel('Batch for labels').selectOption({ label: name });
  }

  // ---- audit ----

  async verifyAuditChain(): Promise<string> {
    await this.button('Verify the chain').click();
    const ok = this.page.getByRole('status').filter({ hasText: 'The audit chain is intact' });
    await ok.waitFor();
    return (await ok.textContent()) ?? '';
  }

  // ---- export ----

  /**
   * Exports a closed batch to the removable drive whose entry shows `driveLabel`, and returns
   * the verification result the screen shows once the manifest is read back from the drive.
   */
  async exportBatch(batchName: string, driveLabel: string, timeout = 180_000): Promise<string> {
    await this.nav('Export');
    const p = this.page;
    const select = p.getByLabel('Batch to export');
    const option = select.locator('option', { hasText: batchName });
    await option.waitFor({ state: 'attached' });
    await select.selectOption((await option.getAttribute('value')) ?? '');
    await p.getByRole('radio', { name: new RegExp(driveLabel) }).check();
    await this.button('Export manifest').click();
    const verdict = p.getByRole('alert', { name: /^Manifest (verified|verification failed)$/ });
    await verdict.waitFor({ timeout });
    return (await verdict.textContent()) ?? '';
  }
}
