// Registers every subcommand: one line per top-level word; each module exports `main`.
import { registerCommand } from '../registry.ts';

void registerCommand;
