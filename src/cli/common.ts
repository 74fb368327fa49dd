import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { EXIT, UsageError, type CliIO } from './args.ts';
import { Workstation, defaultDataDir } from '../engine/workstation.ts';

/** Options every workstation command accepts. */
export const WORKSTATION_OPTIONS = {
  'data-dir': { type: 'string' },
  operator: { type: 'string' },
  'passphrase-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface WorkstationFlags {
  'data-dir'?: string;
  operator?: string;
  'passphrase-file'?: string;
  json?: boolean;
}

/** An error that carries its own exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILED,
  ) {
    super(message);
  }
}

export function openWorkstation(flags: WorkstationFlags): Workstation {
  return Workstation.open(flags['data-dir'] ?? defaultDataDir());
}

/** The acting operator: --operator, else $ZTP_OPERATOR. */
export function operatorOf(flags: WorkstationFlags, usage: string): string {
  const op = flags.operator ?? process.env.ZTP_OPERATOR;
  if (!op) {
    throw new UsageError('name the acting operator with --operator NAME (or $ZTP_OPERATOR)', usage);
  }
  return op;
}

/**
 * The workstation passphrase, from --passphrase-file, $ZTP_PASSPHRASE, or typed at the
 * terminal without echo. Scripted fixtures use the file or the variable.
 */
export async function readPassphrase(
  flags: WorkstationFlags,
  prompt = 'Workstation passphrase: ',
): Promise<string> {
  if (flags['passphrase-file']) {
    try {
      return readFileSync(flags['passphrase-file'], 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new CliError(`cannot read the passphrase file: ${(e as Error).message}`, EXIT.USAGE);
    }
  }
  if (process.env.ZTP_PASSPHRASE !== undefined) return process.env.ZTP_PASSPHRASE;
  if (!process.stdin.isTTY) {
    throw new CliError(
      'no passphrase: give --passphrase-file FILE or set $ZTP_PASSPHRASE when not at a terminal',
      EXIT.USAGE,
    );
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** Opens and unlocks the workstation. */
export async function unlockedWorkstation(flags: WorkstationFlags): Promise<Workstation> {
  const ws = openWorkstation(flags);
  try {
    await ws.unlock(await readPassphrase(flags));
    return ws;
  } catch (e) {
    ws.close();
    throw e;
  }
}

/** Prints `value` as JSON (Uint8Array as hex) or as text lines. */
export function printResult(
  io: CliIO,
  json: boolean | undefined,
  value: unknown,
  text: () => string[],
) {
  if (json) io.out(toJson(value));
  else for (const line of text()) io.out(line);
}

export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      if (typeof v === 'bigint') return v.toString();
      return v;
    },
    2,
  );
}

export function hex(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes).toString('hex') : '';
}

/** A table with aligned columns for terminal output. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
