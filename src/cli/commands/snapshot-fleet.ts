/**
 * `a0vault snapshot --tenants tenants.yaml [--shard i/n]`: back up the tenants of one shard, one
 * after another (or `--parallel` at a time), going on when one fails; exit 3 when any did not
 * succeed, with a result per tenant (`--json`). Also the metrics of snapshot runs
 * (`--metrics-file`, `--pushgateway`), for fleets and single tenants alike.
 */
import { systemClock, type Clock } from '../../core/abort.js';
import { A0vaultError, CancelledError, describeError } from '../../core/errors.js';
import type { ProgressReporter } from '../../core/progress.js';
import type { ManagementApi } from '../../auth0/client.js';
import type { Credentials } from '../../auth0/credentials.js';
import { assertScopes, doctor } from '../../auth0/doctor.js';
import type { RouteCounters } from '../../auth0/stats.js';
import { loadTenantsFile, resolveCredentials, runFleet, selectShard, summarize, type TenantEntry, type TenantRunResult } from '../../fleet/index.js';
import type { AgeRecipients } from '../../archive/encryption.js';
import type { Manifest } from '../../archive/manifest.js';
import { pushMetrics, updateMetricsFile, type SnapshotRunRecord } from '../../metrics/index.js';
import { runSnapshot, type ConfigDumper } from '../../snapshot/index.js';
import type { StorageBackend } from '../../storage/backend.js';
import { credentialsEnvironment, shardFrom, type FleetFlags, type MetricsFlags } from '../fleet-flags.js';
import { gcsEndpoint, progressFor, readRecipients, type EncryptFlags, type OutputFlags, type StorageFlags } from '../options.js';
import { formatBytes, writeResult } from '../output/result.js';
import { toolVersion } from '../version.js';
import { createApi, createConfigDumper, createStorage, createTenantReader } from '../wiring.js';
import type { CommandContext } from './index.js';

export interface SnapshotFleetFlags extends OutputFlags, StorageFlags, EncryptFlags, FleetFlags, MetricsFlags {
  to: string;
  apiBudget: number;
  maxRps?: number;
  includeSecrets?: boolean;
  allowPlaintextSecrets?: boolean;
  breakLock?: boolean;
}

/** Flags a fleet run honours; any other flag given with --tenants is refused (it would be ignored). */
const FLEET_KEYS = new Set(['to', 'apiBudget', 'maxRps', 'includeSecrets', 'allowPlaintextSecrets', 'breakLock', 'gcsEndpoint', 'json', 'progress', 'tenants', 'shard', 'parallel', 'metricsFile', 'pushgateway', 'encryptTo', 'encryptToFile',
  // the config file (cli/config-flags.ts) resolves --to names, budgets and the endpoint before this runs
  'config', 'configInfo']);

function refuseUnsupported(flags: object): void {
  const given = Object.entries(flags).filter(([k, v]) => !FLEET_KEYS.has(k) && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0));
  if (given.length === 0) return;
  const names = given.map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  throw new A0vaultError('usage', `${names.join(', ')} cannot be used with --tenants (credentials come from the tenants file; other per-run options are not supported for fleets yet)`);
}

/** What a fleet reports for a tenant that succeeded. */
export interface TenantSnapshot {
  snapshotId: string;
  manifestKey: string;
  users: number;
  archiveBytes: number;
}

const zeroCounters: RouteCounters = { requests: 0, retries: 0, rateLimited: 0, waits: 0, waitMs: 0 };

export async function snapshotFleet(flags: SnapshotFleetFlags, ctx: CommandContext): Promise<void> {
  refuseUnsupported(flags);
  const encryptTo = readRecipients(flags);
  if (flags.includeSecrets && !encryptTo && !flags.allowPlaintextSecrets) {
    throw new A0vaultError('usage', '--include-secrets writes secrets into the archive: encrypt it (--encrypt-to <age recipient>) or pass --allow-plaintext-secrets');
  }
  const tenantsFile = flags.tenants ?? '';
  const shard = shardFrom(flags);
  const file = await loadTenantsFile(tenantsFile, ctx.signal);
  const mine = selectShard(file.tenants, shard);
  const progress = progressFor(flags);
  const requests = new Map<string, ManagementApi>();
  try {
    const storage = createStorage(flags.to, { gcsEndpoint: gcsEndpoint(flags), progress });
    const snapshotTenant = tenantSnapshotter({ ...flags, encryptTo, storage, progress, baseDir: file.baseDir, env: credentialsEnvironment(), onApi: (d, api) => requests.set(d, api) });
    const results = await runFleet(mine, snapshotTenant, { parallel: flags.parallel, clock: systemClock, signal: ctx.signal, progress });
    progress.stop();
    const counters = (domain: string) => requests.get(domain)?.queue.snapshot().total ?? zeroCounters;
    await emitMetrics(flags, results.map((r) => recordOf(r, counters(r.domain))), ctx.signal);
    const summary = summarize(results);
    const rows = results.map((r) => ({
      domain: r.domain,
      outcome: r.outcome,
      durationSeconds: (r.finishedAt - r.startedAt) / 1000,
      ...(r.value ?? {}),
      requests: { total: counters(r.domain).requests, retries: counters(r.domain).retries, rateLimited: counters(r.domain).rateLimited },
      ...(r.error ? { error: r.error } : {}),
    }));
    const out = { shard, tenantsInFile: file.tenants.length, location: storage.location, summary, tenants: rows };
    writeResult(flags, out, () =>
      [
        `shard ${shard.index}/${shard.count}: ${mine.length} of ${file.tenants.length} tenants → ${storage.location}`,
        ...rows.map((r) =>
          r.outcome === 'success'
            ? `  ok        ${r.domain}  ${r.snapshotId ?? ''}  users ${r.users ?? 0}  ${formatBytes(r.archiveBytes ?? 0)}  ${r.durationSeconds.toFixed(0)} s`
            : `  ${r.outcome.padEnd(9)} ${r.domain}  ${r.error?.message ?? ''}`,
        ),
      ].join('\n'),
    );
    if (ctx.signal.aborted) throw new CancelledError('Operation cancelled', { cause: ctx.signal.reason });
    if (summary.failed + summary.cancelled > 0) {
      throw new A0vaultError('partial', `${summary.failed + summary.cancelled} of ${results.length} tenants were not backed up`, { details: { summary } });
    }
  } finally {
    progress.stop();
  }
}

export interface TenantSnapshotterOptions {
  storage: StorageBackend;
  progress: ProgressReporter;
  /** Where relative credential files are, and the environment credential references name. */
  baseDir: string;
  env: Readonly<Record<string, string | undefined>>;
  apiBudget: number;
  maxRps?: number;
  includeSecrets?: boolean;
  breakLock?: boolean;
  /** Age recipients of every tenant's archive (undefined: plaintext). */
  encryptTo?: AgeRecipients;
  /** Called with each tenant's API client as soon as it exists (for request counters). */
  onApi?: (domain: string, api: ManagementApi) => void;
  /** Default deploy-cli (cli/wiring.ts); tests may pass a lighter one. */
  dumperFor?: (credentials: Credentials, progress: ProgressReporter) => ConfigDumper;
}

/**
 * The per-tenant snapshot of a fleet: resolve the tenant's credentials, check scopes, run the
 * snapshot engine into the shared storage location. Throws what any of those throws.
 */
export function tenantSnapshotter(o: TenantSnapshotterOptions): (tenant: TenantEntry, signal: AbortSignal) => Promise<TenantSnapshot> {
  return async (tenant, signal) => {
    const progress = taggedProgress(o.progress, tenant.domain);
    const credentials = await resolveCredentials(tenant, { env: o.env, baseDir: o.baseDir, signal });
    const api = createApi(credentials, { progress, signal, apiBudget: o.apiBudget, maxRps: o.maxRps });
    o.onApi?.(tenant.domain, api);
    assertScopes(await doctor(api, 'snapshot', { signal }));
    const result = await runSnapshot({
      reader: createTenantReader(api),
      dumper: (o.dumperFor ?? createConfigDumper)(credentials, progress),
      storage: o.storage,
      prefix: '',
      clock: systemClock,
      progress,
      signal,
      tool: { name: 'a0vault', version: toolVersion() },
      includeSecrets: o.includeSecrets === true,
      breakLock: o.breakLock === true,
      encryptTo: o.encryptTo,
    });
    const m = result.manifest;
    return { snapshotId: m.snapshotId, manifestKey: result.manifestKey, users: m.counts.users, archiveBytes: m.archive.size };
  };
}

/** Progress of one tenant of a fleet: messages name the tenant (tenants may run in parallel). */
function taggedProgress(inner: ProgressReporter, domain: string): ProgressReporter {
  return {
    emit: (e) => {
      if (e.type === 'progress') inner.emit({ ...e, phase: `${domain}: ${e.phase}` });
      else if (e.type === 'phase') inner.emit({ ...e, message: `${domain}${e.message ? `: ${e.message}` : ''}` });
      else inner.emit({ ...e, message: `${domain}: ${e.message}` });
    },
  };
}

function recordOf(r: TenantRunResult<TenantSnapshot>, c: RouteCounters): SnapshotRunRecord {
  return {
    tenant: r.domain,
    outcome: r.outcome,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    ...(r.value ? { users: r.value.users, archiveBytes: r.value.archiveBytes } : {}),
    apiRequests: c.requests,
    apiRetries: c.retries,
    apiRateLimited: c.rateLimited,
  };
}

/**
 * Writes the metrics file and pushes to the Pushgateway, as asked. A failure here is a warning
 * on stderr, not a failed backup (the stale-backup alert notices missing metrics). Nothing is
 * written once the run is cancelled.
 */
async function emitMetrics(flags: MetricsFlags, records: SnapshotRunRecord[], signal: AbortSignal): Promise<void> {
  if (signal.aborted || records.length === 0) return;
  const warn = (err: unknown) => process.stderr.write(`a0vault: warning: ${describeError(err)}\n`);
  if (flags.metricsFile !== undefined) await updateMetricsFile(flags.metricsFile, records, signal).catch(warn);
  if (flags.pushgateway !== undefined) await pushMetrics(flags.pushgateway, records, { signal }).catch(warn);
}

/** Metrics of a single-tenant snapshot: `watch` the API client once it exists, then report the outcome. */
export interface SnapshotMetrics {
  watch(api: ManagementApi): void;
  succeeded(manifest: Manifest, signal: AbortSignal): Promise<void>;
  failed(err: unknown, signal: AbortSignal): Promise<void>;
}

/** A no-op unless --metrics-file or --pushgateway is given. A failure before `watch` has no tenant to report. */
export function startSnapshotMetrics(flags: MetricsFlags, clock: Clock = systemClock): SnapshotMetrics {
  const startedAt = clock.now();
  let api: ManagementApi | undefined;
  const emit = async (outcome: SnapshotRunRecord['outcome'], manifest: Manifest | undefined, signal: AbortSignal) => {
    if (!api) return;
    const c = api.queue.snapshot().total;
    const record: SnapshotRunRecord = {
      tenant: api.domain,
      outcome,
      startedAt,
      finishedAt: clock.now(),
      ...(manifest ? { users: manifest.counts.users, archiveBytes: manifest.archive.size } : {}),
      apiRequests: c.requests,
      apiRetries: c.retries,
      apiRateLimited: c.rateLimited,
    };
    await emitMetrics(flags, [record], signal);
  };
  return {
    watch: (a) => void (api = a),
    succeeded: (manifest, signal) => emit('success', manifest, signal),
    failed: (err, signal) => emit(signal.aborted || (err as { code?: string } | undefined)?.code === 'cancelled' ? 'cancelled' : 'failed', undefined, signal),
  };
}
