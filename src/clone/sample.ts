/**
 * Deterministic user sampling for clones (`--users sample:<N>`).
 *
 * Algorithm: each record's rank is SHA-256(seed, user_id); the N records of smallest rank are
 * kept with a bounded max-heap (O(total · log N) time, N records of memory), so the input can be
 * streamed. The same users and seed always give the same sample, whatever their order, and a
 * larger N only adds users to a smaller N's sample. The returned set of user_ids selects the
 * memberships of sampled users.
 *
 * Contract: records without a string `user_id` are skipped (counted); the result is ordered by
 * rank; the signal is checked between records (CancelledError).
 */
import { createHash } from 'node:crypto';
import { throwIfAborted } from '../core/abort.js';
import { A0vaultError } from '../core/errors.js';

export interface SampleOptions {
  /** Changes which users are picked; the default '' keeps the sample stable across clones. */
  seed?: string;
  signal?: AbortSignal;
}

export interface SampleResult<T> {
  users: T[];
  userIds: Set<string>;
  /** Records seen, and skipped for lack of a user_id. */
  seen: number;
  skipped: number;
}

interface Ranked<T> {
  rank: string;
  id: string;
  record: T;
}

/** a ranks after b (rank, then user_id to break the impossible tie deterministically). */
const after = <T>(a: Ranked<T>, b: Ranked<T>): boolean => a.rank > b.rank || (a.rank === b.rank && a.id > b.id);

/** The sampling rank of one user_id. */
export function sampleRank(userId: string, seed = ''): string {
  return createHash('sha256').update(seed).update('\u0000').update(userId).digest('hex');
}

class MaxHeap<T> {
  readonly items: Ranked<T>[] = [];

  push(item: Ranked<T>): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!after(a[i] as Ranked<T>, a[p] as Ranked<T>)) break;
      [a[i], a[p]] = [a[p] as Ranked<T>, a[i] as Ranked<T>];
      i = p;
    }
  }

  /** Replaces the top (the largest) and restores the heap. */
  replaceTop(item: Ranked<T>): void {
    const a = this.items;
    a[0] = item;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && after(a[l] as Ranked<T>, a[m] as Ranked<T>)) m = l;
      if (r < a.length && after(a[r] as Ranked<T>, a[m] as Ranked<T>)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m] as Ranked<T>, a[i] as Ranked<T>];
      i = m;
    }
  }

  get top(): Ranked<T> | undefined {
    return this.items[0];
  }
}

/** The `size` users of smallest rank among `records` (streamed). */
export async function sampleUsers<T extends { user_id?: unknown }>(
  records: AsyncIterable<T> | Iterable<T>,
  size: number,
  options: SampleOptions = {},
): Promise<SampleResult<T>> {
  if (!Number.isSafeInteger(size) || size < 0) throw new A0vaultError('usage', `invalid sample size ${size}`, { details: { size } });
  const heap = new MaxHeap<T>();
  let seen = 0;
  let skipped = 0;
  for await (const record of records) {
    throwIfAborted(options.signal);
    seen++;
    if (typeof record.user_id !== 'string') {
      skipped++;
      continue;
    }
    if (size === 0) continue;
    const item = { rank: sampleRank(record.user_id, options.seed), id: record.user_id, record };
    if (heap.items.length < size) heap.push(item);
    else if (heap.top && after(heap.top, item)) heap.replaceTop(item);
  }
  const sorted = [...heap.items].sort((a, b) => (after(a, b) ? 1 : after(b, a) ? -1 : 0));
  return { users: sorted.map((r) => r.record), userIds: new Set(sorted.map((r) => r.id)), seen, skipped };
}
