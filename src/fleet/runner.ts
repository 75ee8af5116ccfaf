/**
 * Runs one shard of a fleet: backs up its tenants one after another, or `parallel` at a time.
 *
 * Algorithm: `parallel` workers take the next tenant in list order until none is left. Each
 * tenant's run is the caller's function (the CLI passes a real snapshot; tests pass fakes), so
 * the runner knows nothing of the network.
 *
 * Contract:
 * - Every tenant gets exactly one result, in input order, whatever happens to the others: a
 *   failure is recorded (error code and a one-line message) and the runner goes on.
 * - Once `signal` aborts, nothing new starts: tenants not yet started end `cancelled`, as does a
 *   running one that fails because of the abort.
 * - The runner itself never throws for a tenant's failure; the caller decides the exit code
 *   (the CLI exits 3 when any tenant did not succeed).
 */
import type { Clock } from '../core/abort.js';
import { describeError, isA0vaultError } from '../core/errors.js';
import type { ProgressReporter } from '../core/progress.js';

export type TenantOutcome = 'success' | 'failed' | 'cancelled';

export interface TenantRunResult<T> {
  domain: string;
  outcome: TenantOutcome;
  /** Clock milliseconds; equal to finishedAt for a tenant that never started. */
  startedAt: number;
  finishedAt: number;
  /** What the tenant's run returned (success only). */
  value?: T;
  /** Safe to print: error code and one-line description (success: absent). */
  error?: { code: string; message: string };
}

export interface RunFleetOptions {
  /** Tenants backed up at the same time (default 1). */
  parallel?: number;
  clock: Clock;
  signal: AbortSignal;
  progress: ProgressReporter;
}

export type TenantRun<E, T> = (tenant: E, signal: AbortSignal) => Promise<T>;

export async function runFleet<E extends { domain: string }, T>(tenants: readonly E[], run: TenantRun<E, T>, o: RunFleetOptions): Promise<TenantRunResult<T>[]> {
  const results = new Array<TenantRunResult<T> | undefined>(tenants.length);
  const parallel = Math.max(1, Math.min(o.parallel ?? 1, tenants.length || 1));
  let next = 0;
  let done = 0;

  const runOne = async (tenant: E): Promise<TenantRunResult<T>> => {
    const startedAt = o.clock.now();
    if (o.signal.aborted) return { domain: tenant.domain, outcome: 'cancelled', startedAt, finishedAt: startedAt, error: { code: 'cancelled', message: 'not started: cancelled' } };
    o.progress.emit({ type: 'phase', phase: 'tenant', message: `${tenant.domain} (${done + 1}/${tenants.length})` });
    try {
      const value = await run(tenant, o.signal);
      return { domain: tenant.domain, outcome: 'success', startedAt, finishedAt: o.clock.now(), value };
    } catch (err) {
      const cancelled = o.signal.aborted || (isA0vaultError(err) && err.code === 'cancelled');
      const code = isA0vaultError(err) ? err.code : 'internal';
      const message = describeError(err).split('\n')[0] ?? '';
      o.progress.emit({ type: 'warning', message: `tenant ${tenant.domain} ${cancelled ? 'cancelled' : 'failed'}: ${message}` });
      return { domain: tenant.domain, outcome: cancelled ? 'cancelled' : 'failed', startedAt, finishedAt: o.clock.now(), error: { code, message } };
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const tenant = tenants[i];
      if (tenant === undefined) return;
      results[i] = await runOne(tenant);
      done++;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results.map((r, i) => r ?? { domain: tenants[i]?.domain ?? '', outcome: 'cancelled', startedAt: o.clock.now(), finishedAt: o.clock.now() });
}

/** Counts per outcome. */
export function summarize(results: readonly TenantRunResult<unknown>[]): Record<TenantOutcome, number> {
  const s: Record<TenantOutcome, number> = { success: 0, failed: 0, cancelled: 0 };
  for (const r of results) s[r.outcome]++;
  return s;
}
