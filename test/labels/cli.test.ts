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
});
