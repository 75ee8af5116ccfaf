/**
 * The catalog of complete snapshots in a storage location: listing (manifests only — an archive
 * without a manifest is an unfinished run and is never listed) and resolving references.
 *
 * A reference is a snapshot id, `latest`, or `@<ISO date>` (the newest at or before it).
 * Errors: NotFoundError when nothing matches; A0vaultError('usage') for a malformed reference.
 */
import { A0vaultError, NotFoundError } from '../core/errors.js';
import type { StorageBackend } from '../storage/backend.js';
import { parseRunId, parseSnapshotKey, rootPrefix, tenantPrefix } from './layout.js';
import { readManifest, type Manifest } from './manifest.js';

export interface CatalogEntry {
  snapshotId: string;
  tenant: string;
  time: Date;
  manifestKey: string;
}

/** Complete snapshots, oldest first, optionally of one tenant. Reads keys only, not manifests. */
export async function listSnapshots(storage: StorageBackend, options: { prefix?: string; tenant?: string; signal: AbortSignal }): Promise<CatalogEntry[]> {
  const prefix = options.prefix ?? '';
  const listPrefix = options.tenant ? tenantPrefix(prefix, options.tenant) : rootPrefix(prefix);
  const out: CatalogEntry[] = [];
  for await (const obj of storage.list(listPrefix, { signal: options.signal })) {
    const parsed = parseSnapshotKey(obj.key);
    if (!parsed || parsed.kind !== 'manifest') continue;
    const time = parseRunId(parsed.snapshotId)?.time;
    if (!time) continue;
    out.push({ snapshotId: parsed.snapshotId, tenant: parsed.tenant, time, manifestKey: obj.key });
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime() || a.snapshotId.localeCompare(b.snapshotId));
}

/** Resolves a reference to one catalog entry. */
export async function resolveSnapshot(
  storage: StorageBackend,
  ref: string,
  options: { prefix?: string; tenant?: string; signal: AbortSignal },
): Promise<CatalogEntry> {
  const all = await listSnapshots(storage, options);
  const where = `${storage.location}${options.tenant ? ` for ${options.tenant}` : ''}`;
  if (ref === 'latest') {
    const last = all.at(-1);
    if (!last) throw new NotFoundError(`no complete snapshot at ${where}`);
    return last;
  }
  if (ref.startsWith('@')) {
    const at = Date.parse(ref.slice(1));
    if (Number.isNaN(at)) throw new A0vaultError('usage', `invalid date in snapshot reference ${ref} (expected @<ISO 8601 date>)`);
    const match = all.filter((e) => e.time.getTime() <= at).at(-1);
    if (!match) throw new NotFoundError(`no complete snapshot at or before ${new Date(at).toISOString()} at ${where}`);
    return match;
  }
  if (!parseRunId(ref)) throw new A0vaultError('usage', `invalid snapshot reference ${JSON.stringify(ref)} (expected an id, latest or @<date>)`);
  const matches = all.filter((e) => e.snapshotId === ref);
  if (matches.length === 0) throw new NotFoundError(`snapshot ${ref} not found (or not complete) at ${where}`);
  if (matches.length > 1) throw new A0vaultError('usage', `snapshot id ${ref} exists for several tenants; pass --tenant`);
  return matches[0] as CatalogEntry;
}

export async function loadSnapshot(storage: StorageBackend, entry: CatalogEntry, signal: AbortSignal): Promise<Manifest> {
  return readManifest(storage, entry.manifestKey, { signal });
}
