/** `a0vault snapshot --to <location>`: back up one tenant into a new archive. */
import type { Command } from 'commander';
import { systemClock } from '../../core/abort.js';
import { A0vaultError } from '../../core/errors.js';
import { assertScopes, doctor } from '../../auth0/doctor.js';
import { runSnapshot } from '../../snapshot/index.js';
import { addOutputOptions, addStorageOptions, addTenantOptions, gcsEndpoint, parsePercent, parsePositive, progressFor, readCredentials, type OutputFlags, type StorageFlags, type TenantFlags } from '../options.js';
import { addEncryptOptions, readRecipients, type EncryptFlags } from '../options.js';
import { formatBytes, writeResult } from '../output/result.js';
import { toolVersion } from '../version.js';
import { addFleetOptions, addMetricsOptions, type FleetFlags, type MetricsFlags } from '../fleet-flags.js';
import { snapshotFleet, startSnapshotMetrics } from './snapshot-fleet.js';
import { createApi, createConfigDumper, createStorage, createTenantReader } from '../wiring.js';
import { resolveConfigFlags } from '../config-flags.js';
import type { CommandContext } from './index.js';

interface SnapshotFlags extends OutputFlags, StorageFlags, TenantFlags, EncryptFlags, FleetFlags, MetricsFlags {
  to: string;
  apiBudget: number;
  maxRps?: number;
  includeSecrets?: boolean;
  allowPlaintextSecrets?: boolean;
  breakLock?: boolean;
}

export function registerSnapshot(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('snapshot')
    .description('back up users, configuration and memberships of a tenant into a new archive')
    .requiredOption('--to <location>', 'storage location: a path, file:///…, gs://bucket/prefix')
    .option('--api-budget <percent>', "share of the tenant's Management API rate limit to use", parsePercent, 50)
    .option('--max-rps <n>', 'absolute cap on requests per second', parsePositive)
    .option('--include-secrets', 'export secret values deploy-cli can read (needs encryption or --allow-plaintext-secrets)')
    .option('--allow-plaintext-secrets', 'allow --include-secrets without encryption')
    .option('--break-lock', 'take over the lock of another writer');
  addMetricsOptions(addFleetOptions(addTenantOptions(addStorageOptions(addOutputOptions(addEncryptOptions(cmd)))))).action(async (raw: SnapshotFlags, command: Command) => {
    const flags = resolveConfigFlags(command, raw, { needsTenant: raw.tenants === undefined });
    if (flags.tenants !== undefined) return snapshotFleet(flags, ctx);
    if (flags.shard !== undefined) throw new A0vaultError('usage', '--shard needs --tenants');
    const encryptTo = readRecipients(flags);
    if (flags.includeSecrets && !encryptTo && !flags.allowPlaintextSecrets) {
      throw new A0vaultError('usage', '--include-secrets writes secrets into the archive: encrypt it (--encrypt-to <age recipient>) or pass --allow-plaintext-secrets');
    }
    const progress = progressFor(flags);
    const metrics = startSnapshotMetrics(flags);
    try {
      const credentials = readCredentials(flags);
      const api = createApi(credentials, { progress, signal: ctx.signal, apiBudget: flags.apiBudget, maxRps: flags.maxRps });
      metrics.watch(api);
      const scopes = await doctor(api, 'snapshot', { signal: ctx.signal });
      assertScopes(scopes);
      const storage = createStorage(flags.to, { gcsEndpoint: gcsEndpoint(flags), progress });
      const result = await runSnapshot({
        reader: createTenantReader(api),
        dumper: createConfigDumper(credentials, progress),
        storage,
        prefix: '',
        clock: systemClock,
        progress,
        signal: ctx.signal,
        tool: { name: 'a0vault', version: toolVersion() },
        includeSecrets: flags.includeSecrets === true,
        breakLock: flags.breakLock === true,
        encryptTo,
      });
      progress.stop();
      await metrics.succeeded(result.manifest, ctx.signal);
      const m = result.manifest;
      writeResult(flags, { snapshotId: m.snapshotId, tenant: m.tenant.domain, location: storage.location, manifestKey: result.manifestKey, counts: m.counts, archive: m.archive, encryption: m.encryption ?? null, coverage: m.coverage, requests: api.queue.snapshot() }, () =>
        [
          `snapshot ${m.snapshotId} of ${m.tenant.domain} written to ${storage.location}`,
          `  users ${m.counts.users}, roles ${m.counts.roles} (${m.counts.roleMembers} members), organizations ${m.counts.organizations} (${m.counts.organizationMembers} members)`,
          `  archive ${formatBytes(m.archive.size)}, sha256 ${m.archive.sha256.slice(0, 16)}…`,
          ...(m.encryption ? [`  entries encrypted (age) to ${m.encryption.recipients} recipient(s)`] : []),
          ...m.coverage.notCaptured.map((g) => `  not captured: ${g.item} — ${g.reason}`),
        ].join('\n'),
      );
    } catch (err) {
      await metrics.failed(err, ctx.signal);
      throw err;
    } finally {
      progress.stop();
    }
  });
}
