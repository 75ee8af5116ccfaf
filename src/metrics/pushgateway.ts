/**
 * Pushes snapshot metrics to a Prometheus Pushgateway: one group per tenant,
 * `POST <url>/metrics/job/a0vault/tenant/<domain>`.
 *
 * POST replaces only the metrics named in the body within the group. A run that did not
 * succeed leaves the last-success metrics out of its body, so the gateway keeps the values of
 * the latest successful run (see snapshot-metrics.ts).
 *
 * Errors: A0vaultError('api') naming the gateway status; CancelledError on abort.
 */
import { Pushgateway } from 'prom-client';
import { throwIfAborted } from '../core/abort.js';
import { A0vaultError, describeError } from '../core/errors.js';
import { buildRegistry, type SnapshotRunRecord } from './snapshot-metrics.js';

export const PUSH_JOB = 'a0vault';

export interface PushOptions {
  signal: AbortSignal;
  /** Per request, default 10 s. */
  timeoutMs?: number;
}

/** Checks a Pushgateway URL (http or https, no query or fragment). */
export function checkPushgatewayUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new A0vaultError('usage', `--pushgateway expects an http(s) URL, got "${url}"`, { cause: err });
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash) {
    throw new A0vaultError('usage', `--pushgateway expects an http(s) URL without query, got "${url}"`);
  }
  return url;
}

/** Pushes one group per record (tenants one after another). */
export async function pushMetrics(url: string, records: readonly SnapshotRunRecord[], o: PushOptions): Promise<void> {
  for (const record of records) {
    throwIfAborted(o.signal);
    const registry = buildRegistry([record], { tenantLabel: false });
    const gateway = new Pushgateway(
      checkPushgatewayUrl(url),
      { timeout: o.timeoutMs ?? 10_000, signal: o.signal, headers: { 'Content-Type': registry.contentType } },
      registry,
    );
    try {
      await gateway.pushAdd({ jobName: PUSH_JOB, groupings: { tenant: record.tenant } });
    } catch (err) {
      throwIfAborted(o.signal);
      throw new A0vaultError('api', `Pushgateway push for ${record.tenant} failed: ${describeError(err)}`, { cause: err });
    }
  }
}
