/** Registers every command on the program. One file per command (or family) in this folder. */
import type { Command } from 'commander';
import { registerCatalogCommands } from './catalog.js';
import { registerClone } from './clone.js';
import { registerDiff } from './diff.js';
import { registerPrune } from './prune.js';
import { registerRestoreCommands } from './restore.js';
import { registerSnapshot } from './snapshot.js';

export interface CommandContext {
  /** Aborted on SIGINT/SIGTERM; every command passes it to all I/O. */
  signal: AbortSignal;
}

export function registerCommands(program: Command, context: CommandContext): void {
  registerSnapshot(program, context);
  registerCatalogCommands(program, context);
  registerDiff(program, context);
  registerRestoreCommands(program, context);
  registerClone(program, context);
  registerPrune(program, context);
}
