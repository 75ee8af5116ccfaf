/**
 * The retention policy: which snapshots a `prune` keeps, with restic's `forget` semantics.
 * Pure: no I/O, no clock; the same input always gives the same output.
 *
 * Algorithm (per group, i.e. per tenant; see restic's `forget` documentation):
 * - Snapshots are walked newest first (ties broken by id, descending).
 * - Each rule (`last`, `hourly`, `daily`, `weekly`, `monthly`, `yearly`) has a count N and the
 *   bucket of the last snapshot it kept. A snapshot whose bucket differs from the rule's last
 *   kept bucket is kept by that rule while N > 0, and N decreases. `last` puts every snapshot in
 *   its own bucket (so it keeps the N newest); `daily` buckets by UTC calendar day, `weekly` by
 *   ISO 8601 week (UTC, ISO week-numbering year), `monthly` by UTC month, `yearly` by UTC year.
 *   So `--keep-daily 7` keeps the newest snapshot of each of the 7 most recent days that have
 *   one — days without snapshots do not count.
 * - If a duration rule (hourly … yearly) still has count left when the walk reaches the oldest
 *   snapshot, that oldest snapshot is kept as well (reason `oldest <rule> snapshot`), as restic
 *   ≥ 0.17 does ("If there are not enough snapshots to keep one for each duration related
 *   --keep-* option, the oldest snapshot in the group is kept additionally").
 * - A snapshot kept by any rule is kept, with every rule that kept it as a reason.
 * - Whatever the policy, the newest snapshot of a group is kept (reason `newest snapshot` if no
 *   rule kept it, which cannot happen with a non-empty policy: it is a second guard).
 * An empty policy (every count 0) is refused with a usage error, like restic's "no policy was
 * specified".
 */
import { A0vaultError } from '../core/errors.js';

export const RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type RuleName = (typeof RULES)[number];

/** Counts per rule: a non-negative integer, or Infinity for "unlimited". Missing = 0. */
export type RetentionPolicy = Partial<Record<RuleName, number>>;

export interface PolicySnapshot {
  id: string;
  /** Group key: snapshots of different groups never affect each other (the tenant domain). */
  group: string;
  time: Date;
}

export interface KeptSnapshot<T extends PolicySnapshot> {
  snapshot: T;
  /** Restic's wording: `last snapshot`, `daily snapshot`, `oldest weekly snapshot`, … */
  reasons: string[];
}

export interface PolicyResult<T extends PolicySnapshot> {
  /** Newest first within each group; groups in ascending order of their key. */
  keep: KeptSnapshot<T>[];
  /** Same order. */
  remove: T[];
}

/** The bucket a time falls in for each rule (numbers as restic computes them, but in UTC). */
const BUCKETERS: Record<Exclude<RuleName, 'last'>, (t: Date) => number> = {
  hourly: (t) => ((t.getUTCFullYear() * 100 + t.getUTCMonth() + 1) * 100 + t.getUTCDate()) * 100 + t.getUTCHours(),
  daily: (t) => (t.getUTCFullYear() * 100 + t.getUTCMonth() + 1) * 100 + t.getUTCDate(),
  weekly: (t) => {
    const { year, week } = isoWeek(t);
    return year * 100 + week;
  },
  monthly: (t) => t.getUTCFullYear() * 100 + t.getUTCMonth() + 1,
  yearly: (t) => t.getUTCFullYear(),
};

/** ISO 8601 week of `t` in UTC: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(t: Date): { year: number; week: number } {
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const weekday = (t.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(day + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return { year, week };
}

/** Throws a usage error unless every count is a non-negative integer or Infinity, and one is > 0. */
export function checkPolicy(policy: RetentionPolicy): void {
  for (const [rule, n] of Object.entries(policy)) {
    if (!(RULES as readonly string[]).includes(rule)) throw new A0vaultError('usage', `unknown retention rule ${JSON.stringify(rule)}`);
    if (n === undefined) continue;
    if (!(n === Infinity || (Number.isSafeInteger(n) && n >= 0))) {
      throw new A0vaultError('usage', `--keep-${rule} must be a non-negative integer or "unlimited", got ${String(n)}`);
    }
  }
  if (!RULES.some((r) => (policy[r] ?? 0) > 0)) {
    throw new A0vaultError('usage', 'no retention policy: give at least one of --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly');
  }
}

function newestFirst(a: PolicySnapshot, b: PolicySnapshot): number {
  return b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Applies the policy to one group (snapshots already sorted newest first). */
function applyToGroup<T extends PolicySnapshot>(sorted: T[], policy: RetentionPolicy, out: PolicyResult<T>): void {
  const state = RULES.map((rule) => ({ rule, left: policy[rule] ?? 0, last: undefined as number | undefined }));
  sorted.forEach((snapshot, nr) => {
    const reasons: string[] = [];
    const oldest = nr === sorted.length - 1;
    for (const s of state) {
      if (s.left <= 0) continue;
      const bucket = s.rule === 'last' ? nr : BUCKETERS[s.rule](snapshot.time);
      if (bucket !== s.last) {
        reasons.push(`${s.rule === 'last' ? 'last' : s.rule} snapshot`);
      } else if (oldest && s.rule !== 'last') {
        reasons.push(`oldest ${s.rule} snapshot`);
      } else {
        continue;
      }
      s.last = bucket;
      s.left -= 1;
    }
    if (nr === 0 && reasons.length === 0) reasons.push('newest snapshot');
    if (reasons.length > 0) out.keep.push({ snapshot, reasons });
    else out.remove.push(snapshot);
  });
}

/**
 * Splits `snapshots` into kept (with reasons) and removed, per group. Throws a usage error for
 * an invalid or empty policy (checkPolicy). Snapshot ids must be unique within a group.
 */
export function applyPolicy<T extends PolicySnapshot>(snapshots: readonly T[], policy: RetentionPolicy): PolicyResult<T> {
  checkPolicy(policy);
  const groups = new Map<string, T[]>();
  for (const s of snapshots) {
    const list = groups.get(s.group) ?? [];
    list.push(s);
    groups.set(s.group, list);
  }
  const out: PolicyResult<T> = { keep: [], remove: [] };
  for (const group of [...groups.keys()].sort()) {
    applyToGroup([...(groups.get(group) ?? [])].sort(newestFirst), policy, out);
  }
  return out;
}
