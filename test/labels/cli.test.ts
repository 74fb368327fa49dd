// `ztp label` and `ztp print` as an operator runs them (bin/ztp in a child process).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLabelPayload } from '../../src/labels/index.ts';
import { VECTORS_DIR } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { XAPTUM_GPK, fakePrinter, hasTool, zbarDecode } from './helpers.ts';

const GPK_FILE = path.join(VECTORS_DIR, 'xaptum-ecdaa/gpk.bin');
const BATCH = 'b7c1d2e3-0000-4000-8000-000000000042';
const batchArgs = [
  '--batch',
  BATCH,
  '--gpk',
  GPK_FILE,
  '--name',
  'Pilot run',
  '--devices',
  '40',
  '--facility',
  'Lab 1',
];
const dir = mkdtempSync(path.join(os.tmpdir(), 'ztp-label-cli-'));
let printer: Awaited<ReturnType<typeof fakePrinter>>;
beforeAll(async () => {
  printer = await fakePrinter();
});
afterAll(async () => {
  await printer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ztp label', () => {
  it('renders a PNG that decodes to the payload, and checks it back', async () => {
    const out = path.join(dir, 'label.png');
    const r = await runCli(['label', ...batchArgs, '--template', 'ql-62x29', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out} (png, template ql-62x29`);
    if (hasTool('zbarimg')) {
      expect((await zbarDecode(out)).toString('latin1')).toBe(
        encodeLabelPayload({ batchId: BATCH, gpk: XAPTUM_GPK }).text,
      );
    }
    const ok = await runCli(['label', 'check', out, ...batchArgs]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^OK: the label belongs to batch b7c1d2e3/);
    const other = await runCli([
      'label',
      'check',
      out,
      '--batch',
      'another',
      '--gpk',
      GPK_FILE,
      '--name',
      'x',
      '--json',
    ]);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout)).toMatchObject({ match: false, decoded: { batchId: BATCH } });
  });

  it('parses a text payload and a hex payload to batch id and GPK', async () => {
    const text = encodeLabelPayload(
      { batchId: BATCH, gpk: XAPTUM_GPK },
      { mode: 'alphanumeric' },
    ).text!;
    const r = await runCli(['label', 'parse', '--payload', text, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      batchId: BATCH,
      gpk: Buffer.from(XAPTUM_GPK).toString('hex'),
    });
    const bytes = encodeLabelPayload({ batchId: BATCH, gpk: XAPTUM_GPK }, { mode: 'byte' }).bytes!;
    const h = await runCli([
      'label',
      'parse',
      '--payload-hex',
      Buffer.from(bytes).toString('hex'),
      '--json',
    ]);
    expect(JSON.parse(h.stdout).batchId).toBe(BATCH);
    // What a scanner or a copy from a terminal hands over: spaces and a newline around it.
    const padded = await runCli(['label', 'parse', '--payload', `  ${text} \n`, '--json']);
    expect(padded.stderr).toBe('');
    expect(padded.code).toBe(0);
    expect(JSON.parse(padded.stdout).batchId).toBe(BATCH);
  });

  it('rejects damaged and foreign payloads with a clear message and exit 1', async () => {
    const text = encodeLabelPayload({ batchId: BATCH, gpk: XAPTUM_GPK }).text!;
    const damaged = text.slice(0, 40) + (text[40] === 'A' ? 'B' : 'A') + text.slice(41);
    const d = await runCli(['label', 'parse', '--payload', damaged]);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/damaged ZTP label payload: .*rescan the label/);
    const f = await runCli(['label', 'parse', '--payload', 'WIFI:S:guest;T:WPA;P:secret;;']);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/not a ZTP batch label/);
  });

  it('asks for the batch details it needs', async () => {
    // An empty data folder: no store is created just to look the batch up.
    const dataDir = path.join(dir, 'no-workstation');
    const env = { ZTP_DATA_DIR: dataDir };
    const r = await runCli(['label', '--batch', BATCH, '--out', path.join(dir, 'x.pdf')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no workstation store in .*no-workstation/);
    expect(r.stderr).toMatch(/pass --gpk FILE and --name NAME/);
    expect(existsSync(dataDir)).toBe(false);
    const half = await runCli(['label', '--batch', BATCH, '--gpk', GPK_FILE, '--out', 'x.pdf'], {
      env,
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/pass --gpk FILE and --name NAME together/);
  });
});

describe('ztp print', () => {
  it('sends ZPL to a network printer and prints the audit event; a reprint needs a reason', async () => {
    const job = printer.nextJob();
    const r = await runCli([
      'print',
      ...batchArgs,
      '--printer',
      `zpl://127.0.0.1:${printer.port}`,
      '--copies',
      '2',
      '--operator',
      'erin',
      '--audit-log',
      path.join(dir, 'audit.jsonl'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const zpl = (await job).toString('utf8');
    expect(zpl).toContain('^PQ2,');
    expect(zpl).toContain(encodeLabelPayload({ batchId: BATCH, gpk: XAPTUM_GPK }).text);
    const logged = JSON.parse(readFileSync(path.join(dir, 'audit.jsonl'), 'utf8'));
    expect(logged).toMatchObject({
      type: 'label.printed',
      operator: 'erin',
      batchId: BATCH,
      copies: 2,
    });

    const noReason = await runCli([
      'print',
      ...batchArgs,
      '--printer',
      `zpl://127.0.0.1:${printer.port}`,
      '--reprint',
    ]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/a reprint needs --reason/);
  });

  it('warns that a batch given by --gpk/--name is in no audit trail without --audit-log', async () => {
    const job = printer.nextJob();
    const r = await runCli([
      'print',
      ...batchArgs,
      '--printer',
      `zpl://127.0.0.1:${printer.port}`,
      '--operator',
      'erin',
    ]);
    expect(r.code).toBe(0);
    await job;
    expect(r.stderr).toMatch(
      /^warning: batch b7c1d2e3-\S+ is not in this workstation's store .*in no audit trail.*--audit-log FILE/,
    );
  });
});

describe('ztp label and ztp print for a batch of the workstation', () => {
  const dataDir = path.join(dir, 'ws');
  const env = { ZTP_DATA_DIR: dataDir, ZTP_PASSPHRASE: 'label printing test' };
  let batchId: string;
  const print = (...args: string[]) =>
    runCli(['print', '--batch', batchId, '--printer', `zpl://127.0.0.1:${printer.port}`, ...args], {
      env,
    });
  const actions = async () =>
    (
      JSON.parse(
        (await runCli(['audit', 'list', '--batch', batchId, '--json'], { env })).stdout,
      ) as {
        action: string;
        actor: string;
      }[]
    ).filter((e) => e.action.startsWith('label.'));

  beforeAll(async () => {
    const init = await runCli(['init', '--operator', 'alice', '--facility', 'Lab 1 Dresden'], {
      env,
    });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('facility:      Lab 1 Dresden (printed on labels)');
    expect(
      (
        await runCli(['operator', 'add', 'bob', '--role', 'operator', '--operator', 'alice'], {
          env,
        })
      ).code,
    ).toBe(0);
    const created = await runCli(
      ['batch', 'create', '--name', 'Lot 7', '--operator', 'alice', '--json'],
      { env },
    );
    expect(created.code, created.stderr).toBe(0);
    batchId = (JSON.parse(created.stdout) as { id: string }).id;
  }, 60_000);

  it('prints the facility named at ztp init on the label', async () => {
    const out = path.join(dir, 'facility.zpl');
    const r = await runCli(['label', '--batch', batchId, '--format', 'zpl', '--out', out], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'latin1')).toContain('Lab 1 Dresden');
  });

  it("ztp label check names another batch of the workstation, with the app's reasons", async () => {
    const created = await runCli(
      ['batch', 'create', '--name', 'Lot 8', '--operator', 'alice', '--json'],
      { env },
    );
    const lot8 = (JSON.parse(created.stdout) as { id: string }).id;
    const out = path.join(dir, 'lot8.png');
    expect((await runCli(['label', '--batch', lot8, '--out', out], { env })).code).toBe(0);
    const r = await runCli(['label', 'check', out, '--batch', batchId, '--json'], { env });
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as { kind: string; reason: string; otherBatch: unknown };
    expect(result).toMatchObject({ kind: 'other-batch', otherBatch: { id: lot8, name: 'Lot 8' } });
    expect(result.reason).toBe(
      `the label belongs to batch Lot 8 (${lot8.slice(0, 8)}), not to batch Lot 7 (${batchId.slice(0, 8)}); take it off this box`,
    );
  }, 60_000);

  it('prints once for a registered operator; after that only a supervisor reprints, with a reason', async () => {
    const jobsBefore = printer.received.length;
    // Never the OS user by default, and never someone the workstation does not know.
    const nobody = await runCli(
      ['print', '--batch', batchId, '--printer', `zpl://127.0.0.1:${printer.port}`],
      { env: { ...env, ZTP_OPERATOR: '' } },
    );
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/name the acting operator with --operator NAME/);
    const stranger = await print('--operator', 'mallory');
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/Unknown operator 'mallory'/);
    const early = await print('--operator', 'alice', '--reprint', '--reason', 'torn');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/has not been printed yet: print it without --reprint/);
    const sent = printer.received.length;
    expect(sent).toBe(jobsBefore);

    const job = printer.nextJob();
    const first = await runCli(
      ['print', '--batch', batchId, '--printer', `zpl://127.0.0.1:${printer.port}`],
      { env: { ...env, ZTP_OPERATOR: 'bob' } },
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    await job;

    const again = await print('--operator', 'bob');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /the label of batch Lot 7 \(.*\) was printed once already \(last by bob at .*\); printing it again is a reprint: a supervisor passes --reprint --reason TEXT/,
    );
    const byOperator = await print('--operator', 'bob', '--reprint', '--reason', 'torn');
    expect(byOperator.code).toBe(1);
    expect(byOperator.stderr).toMatch(/'bob' may not reprint a batch label: .*supervisor/);
    const noReason = await print('--operator', 'alice', '--reprint');
    expect(noReason.code).toBe(2);
    expect(printer.received).toHaveLength(sent + 1);

    const reprintJob = printer.nextJob();
    const reprint = await print('--operator', 'alice', '--reprint', '--reason', 'label torn');
    expect(reprint.code, reprint.stderr).toBe(0);
    await reprintJob;
    expect(await actions()).toMatchObject([
      { action: 'label.printed', actor: 'bob' },
      { action: 'label.reprinted', actor: 'alice' },
    ]);
  }, 120_000);
});
