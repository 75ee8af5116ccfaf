/**
 * Flags of fleet snapshots and run metrics, and the environment they default from (with
 * cli/options.ts, the only places that read the environment).
 *
 * Shard precedence: `--shard <i>/<n>` (0-based i), else Cloud Run Jobs'
 * CLOUD_RUN_TASK_INDEX + CLOUD_RUN_TASK_COUNT, else an indexed Kubernetes Job's
 * JOB_COMPLETION_INDEX + A0VAULT_SHARD_COUNT (set it to the Job's `completions`), else the whole
 * list as one shard. See docs/fleets.md.
 */
import type { Command } from 'commander';
import { A0vaultError } from '../core/errors.js';
import { checkShard, parseShard, WHOLE, type Shard } from '../fleet/shard.js';
import { checkPushgatewayUrl } from '../metrics/pushgateway.js';

export interface FleetFlags {
  tenants?: string;
  shard?: string;
  parallel?: number;
}

export interface MetricsFlags {
  metricsFile?: string;
  pushgateway?: string;
}

export const MAX_PARALLEL = 8;

function parseParallel(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLEL) throw new A0vaultError('usage', `--parallel expects an integer in 1..${MAX_PARALLEL}, got ${value}`);
  return n;
}

export function addFleetOptions(cmd: Command): Command {
  return cmd
    .option('--tenants <file>', 'back up every tenant of this tenants file (YAML; schemas/tenants.schema.json) instead of one tenant')
    .option('--shard <i/n>', 'with --tenants: back up shard i of n, 0-based (default from CLOUD_RUN_TASK_INDEX/COUNT or JOB_COMPLETION_INDEX + A0VAULT_SHARD_COUNT)')
    .option('--parallel <n>', `with --tenants: tenants backed up at the same time (1..${MAX_PARALLEL})`, parseParallel, 1);
}

export function addMetricsOptions(cmd: Command): Command {
  return cmd
    .option('--metrics-file <path>', 'write Prometheus textfile-collector metrics here (replaced atomically)')
    .option('--pushgateway <url>', 'push metrics to this Prometheus Pushgateway (job a0vault, one group per tenant)', checkPushgatewayUrl);
}

function envInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new A0vaultError('usage', `${name} must be an integer, got "${raw}"`);
  return n;
}

/** The shard this process backs up (see the precedence above). */
export function shardFrom(flags: FleetFlags, env: NodeJS.ProcessEnv = process.env): Shard {
  if (flags.shard !== undefined) return parseShard(flags.shard);
  const cloudRunIndex = envInteger(env, 'CLOUD_RUN_TASK_INDEX');
  if (cloudRunIndex !== undefined) return checkShard({ index: cloudRunIndex, count: envInteger(env, 'CLOUD_RUN_TASK_COUNT') ?? 1 });
  const jobIndex = envInteger(env, 'JOB_COMPLETION_INDEX');
  if (jobIndex !== undefined) {
    const count = envInteger(env, 'A0VAULT_SHARD_COUNT');
    if (count === undefined) throw new A0vaultError('usage', 'JOB_COMPLETION_INDEX is set: set A0VAULT_SHARD_COUNT to the number of completions (or pass --shard <i>/<n>)');
    return checkShard({ index: jobIndex, count });
  }
  return WHOLE;
}

/** The environment tenant credential references are read from. */
export function credentialsEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
