/** Registers every command on the program. One file per command in this folder. */
import type { Command } from 'commander';

export interface CommandContext {
  /** Aborted on SIGINT/SIGTERM; every command passes it to all I/O. */
  signal: AbortSignal;
}

export function registerCommands(_program: Command, _context: CommandContext): void {
  // commands are added here as their engines land
}
