#!/usr/bin/env node
/**
 * a0vault command-line entry point: the only place that catches errors and exits.
 *
 * One AbortController is created here and reaches every I/O call; SIGINT/SIGTERM abort it
 * (a second SIGINT exits at once). Errors map to exit codes through core/exit-codes.ts
 * (documented in docs/exit-codes.md): expected failures print one line, unexpected ones a stack.
 */
import { setMaxListeners } from 'node:events';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { A0vaultError, CancelledError, describeError, isA0vaultError } from '../core/errors.js';
import { ExitCode, exitCodeFor } from '../core/exit-codes.js';
import { registerCommands } from './commands/index.js';
import { toolVersion } from './version.js';

export async function run(argv: string[]): Promise<number> {
  const controller = new AbortController();
  // one signal reaches every concurrent request: each adds a listener, none leaks
  setMaxListeners(0, controller.signal);
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.cancelled);
    process.stderr.write(`\n${sig}: cancelling (press Ctrl-C again to exit at once)\n`);
    controller.abort(new CancelledError(`Interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const program = new Command('a0vault')
    .description('Backup and restore for Auth0 tenants')
    .version(toolVersion())
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerCommands(program, { signal: controller.signal });

  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (err) {
    return reportError(err, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function reportError(err: unknown, signal: AbortSignal): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage;
  }
  if (signal.aborted && !(isA0vaultError(err) && err.code !== 'cancelled')) {
    process.stderr.write('a0vault: cancelled\n');
    return ExitCode.cancelled;
  }
  if (isA0vaultError(err)) {
    process.stderr.write(`a0vault: ${describeError(err)}\n`);
    if (process.env.A0VAULT_DEBUG) process.stderr.write(`${(err as A0vaultError).stack ?? ''}\n`);
    return exitCodeFor(err.code);
  }
  process.stderr.write(`a0vault: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.internal;
}

function isInvokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const invokedDirectly = isInvokedDirectly();
if (invokedDirectly || process.env.A0VAULT_CLI_MAIN === '1') {
  run(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`a0vault: ${String(err)}\n`);
      process.exitCode = ExitCode.internal;
    },
  );
}
