/**
 * Prometheus metrics of snapshot runs, built with prom-client (docs/metrics.md lists them).
 *
 * Semantics, per tenant:
 * - "last run" metrics describe the latest run whatever its outcome: outcome, duration, finish
 *   time, API requests/retries/429s of that run (the counters count within one run and start
 *   again at the next; read their value, not their rate: docs/metrics.md).
 * - "last success" metrics describe the latest successful snapshot: its finish time, users and
 *   archive bytes. A failed run never sets them; the caller passes what an earlier run reported
 *   (`previous`) so they are carried over, or leaves them out (the Pushgateway keeps the old
 *   values when a POST does not mention a metric).
 */
import { Counter, Gauge, Registry } from 'prom-client';

export type RunOutcome = 'success' | 'failed' | 'cancelled';
export const OUTCOMES: readonly RunOutcome[] = ['success', 'failed', 'cancelled'];

/** What one tenant's snapshot run reports. Times are epoch milliseconds. */
export interface SnapshotRunRecord {
  tenant: string;
  outcome: RunOutcome;
  startedAt: number;
  finishedAt: number;
  /** Success only. */
  users?: number;
  archiveBytes?: number;
  /** Management API attempts, retries and 429 answers of this run (0 when none were made). */
  apiRequests: number;
  apiRetries: number;
  apiRateLimited: number;
}

/** Values of the latest successful snapshot, as an earlier run reported them. */
export interface LastSuccess {
  timestampSeconds?: number;
  users?: number;
  archiveBytes?: number;
}

export const METRIC = {
  lastSuccess: 'a0vault_snapshot_last_success_timestamp_seconds',
  lastRun: 'a0vault_snapshot_last_run_timestamp_seconds',
  duration: 'a0vault_snapshot_duration_seconds',
  users: 'a0vault_snapshot_users',
  archiveBytes: 'a0vault_snapshot_archive_bytes',
  apiRequests: 'a0vault_snapshot_api_requests_total',
  apiRetries: 'a0vault_snapshot_api_retries_total',
  apiRateLimited: 'a0vault_snapshot_api_rate_limited_total',
  outcome: 'a0vault_snapshot_outcome',
} as const;

const HELP: Record<keyof typeof METRIC, string> = {
  lastSuccess: 'Unix time the latest successful snapshot of the tenant finished.',
  lastRun: 'Unix time the latest snapshot run of the tenant finished, whatever its outcome.',
  duration: 'Duration of the latest snapshot run in seconds.',
  users: 'Users in the latest successful snapshot.',
  archiveBytes: 'Archive size of the latest successful snapshot in bytes.',
  apiRequests: 'Management API requests sent during the latest run (retries included).',
  apiRetries: 'Management API retries during the latest run.',
  apiRateLimited: 'Management API 429 answers during the latest run.',
  outcome: 'Outcome of the latest snapshot run: 1 for the outcome label that happened, 0 for the others.',
};

export interface BuildOptions {
  /** Add a `tenant` label (textfile); without it, one registry holds one tenant (Pushgateway group). */
  tenantLabel: boolean;
  /** Last-success values carried over for tenants whose run did not succeed. */
  previous?: ReadonlyMap<string, LastSuccess>;
}

/** A registry holding the metrics of `records` (one series per tenant and metric). */
export function buildRegistry(records: readonly SnapshotRunRecord[], o: BuildOptions): Registry {
  const registry = new Registry();
  const labelNames = o.tenantLabel ? ['tenant'] : [];
  const gauge = (k: keyof typeof METRIC, extra: string[] = []) => new Gauge({ name: METRIC[k], help: HELP[k], labelNames: [...labelNames, ...extra], registers: [registry] });
  const counter = (k: keyof typeof METRIC) => new Counter({ name: METRIC[k], help: HELP[k], labelNames, registers: [registry] });
  // metrics are created lazily: prom-client prints 0 for an unlabelled metric never set
  const made = new Map<string, Gauge | Counter>();
  const metricOf = <M extends Gauge | Counter>(k: keyof typeof METRIC, make: () => M): M => {
    const m = made.get(k) ?? make();
    made.set(k, m);
    return m as M;
  };
  const setGauge = (k: keyof typeof METRIC, labels: Record<string, string>, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) metricOf(k, () => gauge(k)).set(labels, v);
  };
  const addCounter = (k: keyof typeof METRIC, labels: Record<string, string>, v: number) => metricOf(k, () => counter(k)).inc(labels, v);

  for (const r of records) {
    const labels: Record<string, string> = o.tenantLabel ? { tenant: r.tenant } : {};
    const kept = r.outcome === 'success' ? undefined : o.previous?.get(r.tenant);
    const ok = r.outcome === 'success';
    setGauge('lastSuccess', labels, ok ? r.finishedAt / 1000 : kept?.timestampSeconds);
    setGauge('users', labels, ok ? r.users : kept?.users);
    setGauge('archiveBytes', labels, ok ? r.archiveBytes : kept?.archiveBytes);
    setGauge('lastRun', labels, r.finishedAt / 1000);
    setGauge('duration', labels, Math.max(0, r.finishedAt - r.startedAt) / 1000);
    addCounter('apiRequests', labels, r.apiRequests);
    addCounter('apiRetries', labels, r.apiRetries);
    addCounter('apiRateLimited', labels, r.apiRateLimited);
    const outcome = metricOf('outcome', () => gauge('outcome', ['outcome']));
    for (const name of OUTCOMES) outcome.set({ ...labels, outcome: name }, name === r.outcome ? 1 : 0);
  }
  return registry;
}
