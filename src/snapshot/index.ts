/**
 * The snapshot engine: one consistent backup of a tenant into a new archive.
 *
 * Algorithm:
 * 1. Take the single-writer lock for tenant + location (lock.ts).
 * 2. Start the archive (a zip streamed straight into storage; never overwritten).
 * 3. Configuration: deploy-cli dump (no identifiers) into a private temp folder → config/**.
 * 4. Id map: name → id of roles, organizations, connections, clients, resource servers.
 * 5. Users: a bulk export job; its gzip NDJSON bytes go straight into users/users.ndjson.gz
 *    while a side gunzip counts users per connection (users-export.ts, user-counter.ts).
 * 6. Memberships: role members and organization members with their roles, as NDJSON.
 * 7. Coverage ledger → coverage.json; finish the archive.
 * 8. Write the manifest LAST: its existence is what makes the snapshot complete.
 * 9. Release the lock (also on failure and cancellation).
 * A failure or cancellation at any step leaves no manifest, so no snapshot is listed complete.
 */
import type { Clock } from '../core/abort.js';
import { A0vaultError } from '../core/errors.js';
import type { ProgressReporter } from '../core/progress.js';
import type { StorageBackend } from '../storage/backend.js';
import { ENTRY, lockKey, newSnapshotId, snapshotKeys } from '../archive/layout.js';
import type { AgeRecipients } from '../archive/encryption.js';
import { formatVersionFor, signManifest, summarizeCoverage, writeManifest, type Manifest } from '../archive/manifest.js';
import { createNdjsonGzipStream } from '../archive/ndjson.js';
import { createArchiveWriter } from '../archive/writer.js';
import { captureConfig } from './config-files.js';
import { CoverageLedger, recordPlatformGaps } from './coverage.js';
import { acquireLock } from './lock.js';
import { orgMemberRecords, roleMemberRecords } from './memberships.js';
import { UserCounter } from './user-counter.js';
import { exportUsers, type UsersExportStats } from './users-export.js';
import type { ConfigDumper, TenantReader } from './types.js';

export type { ConfigDumper, TenantReader } from './types.js';

export interface SnapshotOptions {
  reader: TenantReader;
  dumper: ConfigDumper;
  storage: StorageBackend;
  /** Key prefix inside the storage location ('' for none). */
  prefix: string;
  clock: Clock;
  progress: ProgressReporter;
  signal: AbortSignal;
  tool: { name: string; version: string };
  /** deploy-cli AUTH0_EXPORT_SECRETS: the caller enforces the encryption requirement. */
  includeSecrets?: boolean;
  /** Encrypt every archive entry to these age recipients (format version 2). */
  encryptTo?: AgeRecipients;
  breakLock?: boolean;
  lockStaleMs?: number;
  tmpRoot?: string;
}

export interface SnapshotResult {
  manifest: Manifest;
  manifestKey: string;
  export: UsersExportStats;
}

export async function runSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const { reader, storage, signal, progress, clock } = options;
  const domain = reader.domain;
  const lock = await acquireLock({
    storage,
    key: lockKey(options.prefix, domain),
    purpose: 'snapshot',
    clock,
    progress,
    signal,
    breakLock: options.breakLock,
    staleMs: options.lockStaleMs,
  });
  try {
    return await snapshotLocked(options, domain);
  } finally {
    await lock.release();
  }
}

async function snapshotLocked(options: SnapshotOptions, domain: string): Promise<SnapshotResult> {
  const { reader, storage, signal, progress, clock } = options;
  const startedAt = new Date(clock.now());
  const snapshotId = newSnapshotId(startedAt);
  const keys = snapshotKeys(options.prefix, domain, snapshotId);
  const writer = createArchiveWriter({ storage, key: keys.archive, signal, encryptTo: options.encryptTo });
  const ledger = new CoverageLedger();
  const exportStats: UsersExportStats = { jobIds: [], bytes: 0, resumes: 0, urlRefreshes: 0 };
  try {
    progress.emit({ type: 'phase', phase: 'config', message: 'deploy-cli dump' });
    const config = await captureConfig(options.dumper, writer, { exportSecrets: options.includeSecrets === true, signal, tmpRoot: options.tmpRoot });
    ledger.captured('configuration files', config.files);

    progress.emit({ type: 'phase', phase: 'id map' });
    const idMap = await reader.readIdMap(signal);
    await writer.addEntry(ENTRY.idMap, JSON.stringify(idMap, null, 2), { contentType: 'application/json' });

    progress.emit({ type: 'phase', phase: 'users', message: 'bulk export job' });
    const counter = new UserCounter();
    const usersEntry = await writer.addEntry(ENTRY.users, countWhilePassing(exportUsers({ reader, clock, progress, signal }, exportStats), counter, progress), {
      contentType: 'application/gzip',
      records: () => counter.counts.total,
    });
    const users = counter.counts;
    if (usersEntry.records !== users.total) {
      throw new A0vaultError('internal', `user count mismatch: ${String(usersEntry.records)} recorded vs ${users.total} users`);
    }
    ledger.captured('users', users.total);

    progress.emit({ type: 'phase', phase: 'memberships', message: 'role members' });
    const roleMembers = createNdjsonGzipStream(roleMemberRecords(reader, idMap, signal), { signal });
    await writer.addEntry(ENTRY.roleMembers, roleMembers.stream, { contentType: 'application/gzip', records: roleMembers.records });
    progress.emit({ type: 'phase', phase: 'memberships', message: 'organization members' });
    const orgMembers = createNdjsonGzipStream(orgMemberRecords(reader, idMap, signal), { signal });
    await writer.addEntry(ENTRY.organizationMembers, orgMembers.stream, { contentType: 'application/gzip', records: orgMembers.records });
    ledger.captured('role members', roleMembers.records());
    ledger.captured('organization members and member roles', orgMembers.records());
    recordPlatformGaps(ledger, { secretsExported: options.includeSecrets === true, nonDatabaseUsers: users.nonDatabase });
    if (options.includeSecrets) ledger.captured(options.encryptTo ? 'configuration secrets (in the encrypted archive)' : 'configuration secrets (in PLAINTEXT: --allow-plaintext-secrets)');

    await writer.addEntry(ENTRY.coverage, JSON.stringify(ledger.toJSON(), null, 2), { contentType: 'application/json' });
    progress.emit({ type: 'phase', phase: 'finish', message: 'closing archive' });
    const archive = await writer.finish();

    const manifest = signManifest({
      formatVersion: formatVersionFor(archive.encryption),
      tool: options.tool,
      snapshotId,
      tenant: { domain },
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(clock.now()).toISOString(),
      archive: { key: archive.key, size: archive.size, sha256: archive.sha256 },
      entries: archive.entries,
      counts: {
        users: users.total,
        usersByConnection: users.byConnection,
        roles: idMap.roles.length,
        roleMembers: roleMembers.records(),
        organizations: idMap.organizations.length,
        organizationMembers: orgMembers.records(),
        config: config.counts,
      },
      coverage: summarizeCoverage(ledger.toJSON()),
      ...(archive.encryption ? { encryption: archive.encryption } : {}),
    });
    await writeManifest(storage, keys.manifest, manifest, { signal });
    return { manifest, manifestKey: keys.manifest, export: exportStats };
  } catch (err) {
    await writer.abort(err);
    throw err;
  }
}

/**
 * Chunks handed to the archive and to the side counter: network chunks are ~16-64 KiB, and
 * every hop (and every zlib write) costs per chunk, so they are coalesced first.
 */
const COALESCE_BYTES = 1024 * 1024;

async function* countWhilePassing(source: AsyncIterable<Buffer>, counter: UserCounter, progress: ProgressReporter): AsyncGenerator<Buffer> {
  let bytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<Buffer> => {
    const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    bytes += pendingBytes;
    pending = [];
    pendingBytes = 0;
    await counter.tap(chunk);
    progress.emit({ type: 'progress', phase: 'users download', done: bytes, unit: 'bytes' });
    return chunk;
  };
  try {
    for await (const chunk of source) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= COALESCE_BYTES) yield await flush();
    }
    if (pendingBytes > 0) yield await flush();
    // finish counting before the entry ends, so the writer's records() sees the final total
    await counter.finish();
  } finally {
    counter.close();
  }
}
