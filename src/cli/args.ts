import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes shared by every subcommand. */
export const EXIT = {
  /** The operation succeeded or the check holds. */
  OK: 0,
  /** The operation failed or the check does not hold. */
  FAILED: 1,
  /** Bad arguments or malformed input files. */
  USAGE: 2,
  /** The environment is not usable: a TPM, a file system or a tool is missing or unreachable. */
  ENVIRONMENT: 3,
} as const;

/** Thrown for bad command-line arguments or malformed input; main prints it with the usage line. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` or `-h` among a command's arguments: main prints the usage on stdout, exit 0. */
export class HelpRequest extends Error {
  constructor(readonly usage: string) {
    super('help requested');
    this.name = 'HelpRequest';
  }
}

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /** True when stdout is a terminal (progress bars, colours). */
  readonly isTTY: boolean;
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
};

/** A subcommand: gets the arguments after its own name. Returns the exit code. */
export type CommandMain = (argv: string[], io: CliIO) => Promise<number>;

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses options strictly; unknown options, missing values and stray positionals become a
 * UsageError carrying the command's usage line.
 */
export function parseCommandArgs<T extends Options>(
  argv: string[],
  options: T,
  usage: string,
  { positionals = 0 }: { positionals?: number } = {},
) {
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  if (own.includes('--help') || own.includes('-h')) throw new HelpRequest(usage);
  try {
    const parsed = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: positionals > 0,
    });
    if (parsed.positionals.length > positionals) {
      throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`, usage);
    }
    return parsed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message, usage);
  }
}

/** Returns a required string option or throws a UsageError naming it. */
export function requireOption(value: string | undefined, name: string, usage: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${name}`, usage);
  return value;
}
