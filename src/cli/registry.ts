import type { CommandMain } from './args.ts';

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ main: CommandMain }>;
}

/**
 * Each top-level word of `ztp` maps to a module exporting `main`. Modules load on demand so
 * that `ztp ecdaa …` does not pay for SQLite or the TPM layer.
 */
export const COMMANDS = new Map<string, CommandEntry>();

export function registerCommand(name: string, summary: string, load: CommandEntry['load']): void {
  COMMANDS.set(name, { summary, load });
}
