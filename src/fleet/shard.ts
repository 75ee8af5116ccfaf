/**
 * Which tenants a shard backs up: pure functions, no I/O.
 *
 * Rule: the tenants are sorted by domain (lower-cased; domains are unique in a tenants file) and
 * shard `i` of `n` (0-based, 0 ≤ i < n) takes the tenants at sorted positions p with p mod n = i.
 *
 * Guarantees:
 * - Every tenant is in exactly one of the n shards (for the same tenant list and n).
 * - The order of the list in the file does not matter: reordering it moves no tenant.
 * - Shards are balanced: their sizes differ by at most one, so no shard is empty unless n is
 *   larger than the number of tenants (a hash of the domain mod n would leave a shard empty by
 *   chance: about 1 run in 80 for 20 tenants over 4 shards).
 * - Adding or removing a tenant may move tenants sorted after it to another shard. That is
 *   harmless for backups (every run is complete on its own; the per-tenant lock in storage keeps
 *   two writers apart), provided every task of one run reads the same file.
 */
import { A0vaultError } from '../core/errors.js';

export interface Shard {
  /** 0-based index of this shard. */
  index: number;
  /** Number of shards, ≥ 1. */
  count: number;
}

/** The whole list as one shard. */
export const WHOLE: Shard = { index: 0, count: 1 };

/** Parses `i/n` (0-based i). Throws A0vaultError('usage') naming the problem. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new A0vaultError('usage', `--shard expects <index>/<count> with a 0-based index, e.g. 0/4; got "${text}"`);
  return checkShard({ index: Number(m[1]), count: Number(m[2]) });
}

/** Validates a shard (index and count integers, 0 ≤ index < count). */
export function checkShard(shard: Shard): Shard {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1) throw new A0vaultError('usage', `shard count must be a positive integer, got ${String(count)}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new A0vaultError('usage', `shard index must be in 0..${count - 1} (0-based), got ${String(index)}`);
  }
  return shard;
}

/** The sort key of a tenant: its domain, lower-cased. */
export function shardKey(domain: string): string {
  return domain.trim().toLowerCase();
}

/**
 * The items of shard `shard`, in sorted-domain order. Throws A0vaultError('config') when two
 * items share a domain (they would be backed up twice or race for the lock).
 */
export function selectShard<T extends { domain: string }>(items: readonly T[], shard: Shard): T[] {
  checkShard(shard);
  const keyed = items.map((item) => ({ key: shardKey(item.domain), item }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let p = 1; p < keyed.length; p++) {
    if (keyed[p]?.key === keyed[p - 1]?.key) throw new A0vaultError('config', `tenant ${keyed[p]?.key ?? ''} is listed twice`);
  }
  return keyed.filter((_, p) => p % shard.count === shard.index).map((k) => k.item);
}
