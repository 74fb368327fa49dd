// ztp label: render a batch's label, parse a payload, check a photo of a printed label.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, UsageError, parseCommandArgs, type CliIO } from '../args.ts';
import {
  BATCH_SOURCE_OPTIONS,
  BATCH_SOURCE_USAGE,
  resolveLabelBatch,
  withBatchLookup,
} from '../../labels/batch-source.ts';
import {
  LABEL_FORMATS,
  LabelPayloadError,
  checkLabelImage,
  encodeLabelPayload,
  gpkFingerprint,
  listTemplates,
  loadTemplate,
  parseLabelPayload,
  renderLabel,
  DEFAULT_TEMPLATE,
  type LabelFormat,
} from '../../labels/index.ts';

const USAGE = {
  render: `ztp label ${BATCH_SOURCE_USAGE} [--template NAME|FILE] [--format pdf|png|zpl] --out FILE [--device N]`,
  parse: 'ztp label parse (--payload TEXT | --payload-hex HEX) [--json]',
  check: `ztp label check IMAGE ${BATCH_SOURCE_USAGE} [--json]`,
  payload: `ztp label payload ${BATCH_SOURCE_USAGE} [--mode auto|alphanumeric|byte] [--json]`,
  templates: 'ztp label templates [--json]',
};
const ALL = Object.values(USAGE).join('\n');

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'parse':
      return parse(rest, io);
    case 'check':
      return check(rest, io);
    case 'payload':
      return payload(rest, io);
    case 'templates':
      return templates(rest, io);
    case '--help':
    case '-h':
      io.out(`usage:\n${ALL}`);
      return EXIT.OK;
    default:
      if (sub !== undefined && !sub.startsWith('-'))
        throw new UsageError(`unknown subcommand '${sub}'`, ALL);
      return render(argv, io);
  }
}

async function render(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      ...BATCH_SOURCE_OPTIONS,
      template: { type: 'string', default: DEFAULT_TEMPLATE },
      format: { type: 'string' },
      out: { type: 'string' },
      device: { type: 'string' },
    },
    USAGE.render,
  );
  if (!values.out) throw new UsageError('missing --out FILE', USAGE.render);
  const format = (values.format ?? path.extname(values.out).slice(1).toLowerCase()) as LabelFormat;
  if (!LABEL_FORMATS.includes(format)) {
    throw new UsageError(`--format must be pdf, png or zpl (got '${format}')`, USAGE.render);
  }
  const info = await resolveLabelBatch(values, USAGE.render);
  const template = loadTemplate(values.template);
  const deviceIndex = values.device === undefined ? 0 : Number(values.device) - 1;
  if (!Number.isInteger(deviceIndex) || deviceIndex < 0) {
    throw new UsageError(
      `--device must be a device number from 1, got '${values.device}'`,
      USAGE.render,
    );
  }
  const bytes = await renderLabel(info, template, format, { deviceIndex });
  await writeFile(values.out, bytes);
  io.out(`wrote ${values.out} (${format}, template ${template.name}, ${bytes.length} bytes)`);
  return EXIT.OK;
}

async function parse(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { payload: { type: 'string' }, 'payload-hex': { type: 'string' }, json: { type: 'boolean' } },
    USAGE.parse,
  );
  let input: string | Uint8Array;
  if (values.payload !== undefined && values['payload-hex'] === undefined) {
    input = values.payload;
  } else if (values['payload-hex'] !== undefined && values.payload === undefined) {
    const h = values['payload-hex'].replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(h))
      throw new UsageError('--payload-hex must be pairs of hex digits', USAGE.parse);
    input = new Uint8Array(Buffer.from(h, 'hex'));
  } else {
    throw new UsageError('give exactly one of --payload TEXT or --payload-hex HEX', USAGE.parse);
  }
  let parsed;
  try {
    parsed = parseLabelPayload(input);
  } catch (e) {
    if (e instanceof LabelPayloadError) {
      if (values.json)
        io.out(JSON.stringify({ ok: false, error: { kind: e.kind, message: e.message } }));
      io.err(`ztp label parse: ${e.message}`);
      return EXIT.FAILED;
    }
    throw e;
  }
  if (values.json) {
    io.out(
      JSON.stringify({
        batchId: parsed.batchId,
        gpk: hex(parsed.gpk),
        fingerprint: gpkFingerprint(parsed.gpk),
      }),
    );
  } else {
    io.out(`batch id     ${parsed.batchId}`);
    io.out(`fingerprint  ${gpkFingerprint(parsed.gpk)}`);
    io.out(`gpk          ${hex(parsed.gpk)}`);
  }
  return EXIT.OK;
}

async function check(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...BATCH_SOURCE_OPTIONS, json: { type: 'boolean' } },
    USAGE.check,
    { positionals: 1 },
  );
  const image = positionals[0];
  if (!image)
    throw new UsageError('missing IMAGE (a photo or scan of the label, PNG or JPEG)', USAGE.check);
  const info = await resolveLabelBatch(values, USAGE.check);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(image));
  } catch (e) {
    throw new UsageError(
      `cannot read image ${image}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const result = withBatchLookup(values, (findBatch) =>
    checkLabelImage(bytes, info, findBatch ? { findBatch } : {}),
  );
  if (values.json) {
    io.out(
      JSON.stringify({
        match: result.match,
        kind: result.kind,
        ...(result.reason ? { reason: result.reason } : {}),
        ...(result.otherBatch ? { otherBatch: result.otherBatch } : {}),
        ...(result.decoded
          ? { decoded: { batchId: result.decoded.batchId, gpk: hex(result.decoded.gpk) } }
          : {}),
      }),
    );
  } else if (result.match) {
    io.out(`OK: the label belongs to batch ${info.batchId} (GPK ${gpkFingerprint(info.gpk)})`);
  } else {
    io.out(`MISMATCH: ${result.reason}`);
  }
  return result.match ? EXIT.OK : EXIT.FAILED;
}

async function payload(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      ...BATCH_SOURCE_OPTIONS,
      mode: { type: 'string', default: 'auto' },
      json: { type: 'boolean' },
    },
    USAGE.payload,
  );
  if (!['auto', 'alphanumeric', 'byte'].includes(values.mode)) {
    throw new UsageError(`--mode must be auto, alphanumeric or byte`, USAGE.payload);
  }
  const info = await resolveLabelBatch(values, USAGE.payload);
  const p = encodeLabelPayload(info, { mode: values.mode as 'auto' });
  const out = {
    mode: p.mode,
    qrVersion: p.qrVersion,
    modules: 17 + 4 * p.qrVersion,
    errorCorrection: p.errorCorrection,
    ...(p.text !== undefined ? { text: p.text } : { hex: hex(p.bytes!) }),
  };
  if (values.json) io.out(JSON.stringify(out));
  else {
    io.out(
      `QR version ${out.qrVersion} (${out.modules}×${out.modules}), level ${out.errorCorrection}, ${out.mode} mode`,
    );
    io.out(p.text ?? hex(p.bytes!));
  }
  return EXIT.OK;
}

async function templates(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE.templates);
  const list = listTemplates();
  if (values.json) {
    io.out(
      JSON.stringify(
        list.map((t) => ({
          name: t.name,
          kind: t.kind,
          widthMm: t.widthMm,
          heightMm: t.heightMm,
          dpi: t.dpi,
          description: t.description,
        })),
      ),
    );
  } else {
    for (const t of list) io.out(`${t.name.padEnd(14)} ${t.description}`);
  }
  return EXIT.OK;
}
