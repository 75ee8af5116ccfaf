/**
 * The prune engine: lists the snapshots of a location, applies the retention policy
 * (./policy.ts) per tenant, and removes the snapshots the policy does not keep.
 *
 * Algorithm:
 * 1. One listing of the location (or of one tenant) reads keys only. layout.parseSnapshotKey
 *    groups the objects by tenant and snapshot id; a group with a manifest is a complete
 *    snapshot, a group without one (an unfinished or running snapshot) is reported as
 *    `incomplete` and never touched.
 * 2. applyPolicy splits the complete snapshots into kept (with reasons) and removed; the newest
 *    snapshot of each tenant is always kept.
 * 3. Removal goes oldest first. Each removed snapshot loses its manifest FIRST (so it stops being listed as complete), then
 *    its archive and any other object of that snapshot. If the storage refuses to delete the
 *    manifest because a retention policy protects it (ObjectProtectedError), nothing else of
 *    that snapshot is touched: it stays complete and is reported as protected (`stillListed`).
 *    An archive refused after its manifest went is reported as protected too (`stillListed:
 *    false`); a later prune reports it as incomplete. An object already gone counts as removed.
 *
 * Other storage errors stop the run (they are not item-level problems). Nothing starts after
 * the signal aborts.
 */
import { throwIfAborted } from '../core/abort.js';
import { ObjectNotFoundError, ObjectProtectedError, type StorageBackend } from '../storage/backend.js';
import { parseRunId, parseSnapshotKey, rootPrefix, tenantSegment } from '../archive/layout.js';
import { applyPolicy, type PolicyResult, type PolicySnapshot, type RetentionPolicy } from './policy.js';

export interface SnapshotObjects {
  tenant: string;
  snapshotId: string;
  time: Date;
  /** Undefined for an incomplete snapshot (no manifest). */
  manifestKey: string | undefined;
  /** Archive (plain or encrypted) and any other object of the snapshot, in key order. */
  otherKeys: string[];
}

export interface KeptEntry {
  tenant: string;
  snapshotId: string;
  time: string;
  reasons: string[];
}

export interface RemovedEntry {
  tenant: string;
  snapshotId: string;
  time: string;
  keys: string[];
}

export interface ProtectedEntry {
  tenant: string;
  snapshotId: string;
  time: string;
  /** True when the manifest could not be removed: the snapshot is still complete and listed. */
  stillListed: boolean;
  objects: { key: string; retainUntil?: string }[];
  /** Objects of this snapshot that were removed before the refusal. */
  removedKeys: string[];
}

export interface PruneReport {
  location: string;
  dryRun: boolean;
  kept: KeptEntry[];
  removed: RemovedEntry[];
  protected: ProtectedEntry[];
  incomplete: { tenant: string; snapshotId: string; keys: string[] }[];
}

export interface PruneOptions {
  /** For a dry run, pass a DryRunBackend: the same code path runs and records the removes. */
  storage: StorageBackend;
  /**
   * One policy for every tenant, or the policy of each tenant (config file retention per
   * tenant). A tenant whose policy is undefined keeps all its snapshots (reason `no retention
   * policy for this tenant`).
   */
  policy: RetentionPolicy | ((tenant: string) => RetentionPolicy | undefined);
  dryRun?: boolean;
  prefix?: string;
  /** Only this tenant's snapshots. */
  tenant?: string;
  signal: AbortSignal;
}

/** Every snapshot object under the location (or one tenant), grouped by snapshot, oldest first. */
export async function listSnapshotObjects(storage: StorageBackend, options: { prefix?: string; tenant?: string; signal: AbortSignal }): Promise<SnapshotObjects[]> {
  // The whole location is listed and filtered by tenant, so a tenant is found under any prefix.
  const only = options.tenant === undefined ? undefined : tenantSegment(options.tenant);
  const groups = new Map<string, SnapshotObjects>();
  for await (const obj of storage.list(rootPrefix(options.prefix ?? ''), { signal: options.signal })) {
    const parsed = parseSnapshotKey(obj.key);
    const time = parsed && parseRunId(parsed.snapshotId)?.time;
    if (!parsed || !time || (only !== undefined && tenantSegment(parsed.tenant) !== only)) continue;
    const id = `${parsed.tenant}\u0000${parsed.snapshotId}`;
    const group = groups.get(id) ?? { tenant: parsed.tenant, snapshotId: parsed.snapshotId, time, manifestKey: undefined, otherKeys: [] };
    if (parsed.kind === 'manifest' && group.manifestKey === undefined) group.manifestKey = obj.key;
    else group.otherKeys.push(obj.key);
    groups.set(id, group);
  }
  return [...groups.values()].sort((a, b) => a.time.getTime() - b.time.getTime() || a.snapshotId.localeCompare(b.snapshotId) || a.tenant.localeCompare(b.tenant));
}

type RemoveOutcome = { kind: 'removed' } | { kind: 'protected'; retainUntil?: string };

async function removeOne(storage: StorageBackend, key: string, signal: AbortSignal): Promise<RemoveOutcome> {
  try {
    await storage.remove(key, { signal });
    return { kind: 'removed' };
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return { kind: 'removed' };
    if (err instanceof ObjectProtectedError) return { kind: 'protected', ...(err.retainUntil ? { retainUntil: err.retainUntil.toISOString() } : {}) };
    throw err;
  }
}

/** Removes one snapshot, manifest first; returns what was removed and what was protected. */
async function removeSnapshot(storage: StorageBackend, s: SnapshotObjects & { manifestKey: string }, signal: AbortSignal): Promise<{ removedKeys: string[]; protectedObjects: ProtectedEntry['objects']; stillListed: boolean }> {
  throwIfAborted(signal);
  const first = await removeOne(storage, s.manifestKey, signal);
  if (first.kind === 'protected') {
    return { removedKeys: [], protectedObjects: [{ key: s.manifestKey, ...(first.retainUntil ? { retainUntil: first.retainUntil } : {}) }], stillListed: true };
  }
  const removedKeys = [s.manifestKey];
  const protectedObjects: ProtectedEntry['objects'] = [];
  for (const key of s.otherKeys) {
    throwIfAborted(signal);
    const outcome = await removeOne(storage, key, signal);
    if (outcome.kind === 'removed') removedKeys.push(key);
    else protectedObjects.push({ key, ...(outcome.retainUntil ? { retainUntil: outcome.retainUntil } : {}) });
  }
  return { removedKeys, protectedObjects, stillListed: false };
}

/** applyPolicy per tenant, each with its own policy (a tenant without one keeps everything). */
function planRemovals<T extends PolicySnapshot & { tenant: string }>(snapshots: T[], policy: PruneOptions['policy']): PolicyResult<T> {
  if (typeof policy !== 'function') return applyPolicy(snapshots, policy);
  const out: PolicyResult<T> = { keep: [], remove: [] };
  for (const tenant of [...new Set(snapshots.map((s) => s.tenant))].sort()) {
    const mine = snapshots.filter((s) => s.tenant === tenant);
    const p = policy(tenant);
    if (p === undefined) {
      out.keep.push(...mine.reverse().map((snapshot) => ({ snapshot, reasons: ['no retention policy for this tenant'] })));
      continue;
    }
    const r = applyPolicy(mine, p);
    out.keep.push(...r.keep);
    out.remove.push(...r.remove);
  }
  return out;
}

/** Lists, applies the policy, removes. Throws a usage error for an empty or invalid policy. */
export async function runPrune(options: PruneOptions): Promise<PruneReport> {
  const { storage, signal } = options;
  const all = await listSnapshotObjects(storage, options);
  const complete = all
    .filter((s): s is SnapshotObjects & { manifestKey: string } => s.manifestKey !== undefined)
    .map((s) => ({ ...s, id: s.snapshotId, group: s.tenant }));
  const plan = planRemovals(complete, options.policy);
  const report: PruneReport = {
    location: storage.location,
    dryRun: options.dryRun === true,
    kept: plan.keep.map((k) => ({ tenant: k.snapshot.tenant, snapshotId: k.snapshot.snapshotId, time: k.snapshot.time.toISOString(), reasons: k.reasons })),
    removed: [],
    protected: [],
    incomplete: all.filter((s) => s.manifestKey === undefined).map((s) => ({ tenant: s.tenant, snapshotId: s.snapshotId, keys: s.otherKeys })),
  };
  // oldest first: a run that stops part-way has removed the oldest snapshots
  const removeOrder = [...plan.remove].sort((a, b) => a.time.getTime() - b.time.getTime() || a.snapshotId.localeCompare(b.snapshotId));
  for (const s of removeOrder) {
    const outcome = await removeSnapshot(storage, s, signal);
    const base = { tenant: s.tenant, snapshotId: s.snapshotId, time: s.time.toISOString() };
    if (outcome.protectedObjects.length === 0) {
      report.removed.push({ ...base, keys: outcome.removedKeys });
    } else {
      report.protected.push({ ...base, stillListed: outcome.stillListed, objects: outcome.protectedObjects, removedKeys: outcome.removedKeys });
    }
  }
  return report;
}
