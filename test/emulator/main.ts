/**
 * `npm run --silent emulator -- --port 0 --seed <empty|demo> [--users N] [--rate-limit <preset|limit/window,burst>]
 *   [--token-ttl s] [--export-url-ttl s] [--job-latency ms] [--import-rate users/s] [--job-ttl s]`
 *
 * Prints exactly one JSON line on stdout when ready:
 *   {"domain":"localhost:<port>","clientId":"…","clientSecret":"…","caFile":"<path>","admin":"https://localhost:<port>/__emulator"}
 * and nothing else on stdout (diagnostics go to stderr). Serves until SIGTERM or SIGINT, then
 * closes cleanly and exits 0. Invalid flags: a message on stderr and exit code 2.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startEmulator } from './server.js';

function int(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

const program = new Command('emulator')
  .description('Auth0 tenant emulator (one tenant per process)')
  .option('--port <n>', 'port on 127.0.0.1 (0 = ephemeral)', int('--port'), 0)
  .option('--seed <name>', 'empty | demo', 'empty')
  .option('--users <n>', 'extra generated users (deterministic)', int('--users'), 0)
  .option('--rate-limit <spec>', 'off | free | enterprise | essentials | limit/window,burst', 'off')
  .option('--token-ttl <s>', 'access-token lifetime in seconds', int('--token-ttl', 1), 86400)
  .option('--export-url-ttl <s>', 'seconds an export download URL stays valid', int('--export-url-ttl', 1), 60)
  .option('--job-latency <ms>', 'milliseconds a job spends in each state', int('--job-latency'), 1000)
  .option('--import-rate <n>', 'import speed, users per second per job', int('--import-rate', 1), 1000)
  .option('--job-ttl <s>', 'seconds job data is kept', int('--job-ttl', 1), 86400)
  .option('--data-dir <dir>', 'directory for the user store scratch files (default: OS temp dir)')
  .option('--ca-dir <dir>', 'directory of the persistent emulator CA (default: <repo>/.cache/emulator-ca)')
  .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) })
  .exitOverride();

async function main(): Promise<void> {
  try {
    program.parse(process.argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    process.exit(code === 0 ? 0 : 2);
  }
  const o = program.opts<{
    port: number;
    seed: string;
    users: number;
    rateLimit: string;
    tokenTtl: number;
    exportUrlTtl: number;
    jobLatency: number;
    importRate: number;
    jobTtl: number;
    dataDir?: string;
    caDir?: string;
  }>();
  if (o.seed !== 'empty' && o.seed !== 'demo') {
    process.stderr.write(`emulator: --seed must be "empty" or "demo", got "${o.seed}"\n`);
    process.exit(2);
  }
  let emulator;
  try {
    emulator = await startEmulator({
      port: o.port,
      seed: o.seed,
      users: o.users,
      rateLimit: o.rateLimit,
      tokenTtl: o.tokenTtl,
      exportUrlTtl: o.exportUrlTtl,
      jobLatencyMs: o.jobLatency,
      importRate: o.importRate,
      jobTtl: o.jobTtl,
      dataDir: o.dataDir,
      caDir: o.caDir,
    });
  } catch (err) {
    process.stderr.write(`emulator: failed to start: ${(err as Error).message}\n`);
    process.exit(/invalid --rate-limit/.test((err as Error).message) ? 2 : 1);
  }
  process.stdout.write(`${JSON.stringify(emulator.readyInfo())}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`emulator: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
