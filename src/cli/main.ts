#!/usr/bin/env node
import { EXIT, HelpRequest, UsageError, processIO } from './args.ts';
import { COMMANDS } from './registry.ts';
import './commands/index.ts';

function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((n) => n.length), 4);
  return [
    'usage: ztp <command> [options]   (ztp <command> --help for its options)',
    '',
    ...[...COMMANDS.entries()].map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    processIO.out(usage());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version') {
    const { VERSION } = await import('../util/version.ts');
    processIO.out(VERSION);
    return EXIT.OK;
  }
  const command = COMMANDS.get(name);
  if (!command) {
    processIO.err(`ztp: unknown command '${name}'`);
    processIO.err(usage());
    return EXIT.USAGE;
  }
  try {
    const module = await command.load();
    return await module.main(rest, processIO);
  } catch (e) {
    if (e instanceof HelpRequest) {
      processIO.out(`usage: ${e.usage}`);
      return EXIT.OK;
    }
    if (e instanceof UsageError) {
      processIO.err(`ztp ${name}: ${e.message}`);
      if (e.usage) processIO.err(`usage: ${e.usage}`);
      return EXIT.USAGE;
    }
    const err = e as Error & { exitCode?: number };
    processIO.err(`ztp ${name}: ${err.message}`);
    if (process.env.ZTP_DEBUG) processIO.err(String(err.stack));
    return err.exitCode ?? EXIT.FAILED;
  }
}

// `ztp audit list | head` closes the pipe early: stop quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
process.exitCode = await run(process.argv.slice(2));
