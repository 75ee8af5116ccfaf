/**
 * Lists as async iterables that fetch one page at a time, only when the consumer asks.
 *
 * - Offset (`page`, `per_page`, `include_totals`): for lists that fit under Auth0's 1,000-result
 *   offset cap (roles, role permissions, member roles, clients, resource servers). If the first
 *   page's `total` exceeds the cap, or (without a total) a full page reaches it, the iterator
 *   throws PaginationLimitError instead of silently truncating; the caller must use checkpoint
 *   pagination or an export job.
 * - Checkpoint (`from`, `take`, follow `next`): where Auth0 offers it (role users,
 *   organizations, organization members, connections). Ends when `next` is absent or empty, or a
 *   page is empty; a cursor that repeats is an error (it would loop forever).
 */
import { ManagementApiError, PaginationLimitError } from './errors.js';

export const OFFSET_RESULT_CAP = 1000;

export interface OffsetPage<T> {
  items: T[];
  /** From `include_totals=true`; undefined when the response did not say. */
  total?: number;
}

export interface OffsetOptions {
  /** Route label for errors, e.g. `GET /roles`. */
  route: string;
  /** Default 100 (the API's maximum). */
  perPage?: number;
  /** Default 1,000 (Auth0's cap for offset pagination). */
  maxResults?: number;
}

export async function* paginateOffset<T>(
  fetchPage: (page: number, perPage: number) => Promise<OffsetPage<T>>,
  opts: OffsetOptions,
): AsyncGenerator<T, void, undefined> {
  const perPage = opts.perPage ?? 100;
  const cap = opts.maxResults ?? OFFSET_RESULT_CAP;
  let seen = 0;
  for (let page = 0; ; page++) {
    const { items, total } = await fetchPage(page, perPage);
    if (page === 0 && total !== undefined && total > cap) throw new PaginationLimitError(opts.route, total, cap);
    for (const item of items) yield item;
    seen += items.length;
    if (items.length < perPage || (total !== undefined && seen >= total)) return;
    if ((page + 1) * perPage >= cap) throw new PaginationLimitError(opts.route, total, cap);
  }
}

export interface CheckpointPage<T> {
  items: T[];
  next?: string | null;
}

export interface CheckpointOptions {
  route: string;
  /** Default 100 (the API's maximum). */
  take?: number;
}

export async function* paginateCheckpoint<T>(
  fetchPage: (from: string | undefined, take: number) => Promise<CheckpointPage<T>>,
  opts: CheckpointOptions,
): AsyncGenerator<T, void, undefined> {
  const take = opts.take ?? 100;
  const seen = new Set<string>();
  let from: string | undefined;
  for (;;) {
    const { items, next } = await fetchPage(from, take);
    for (const item of items) yield item;
    if (!next || items.length === 0) return;
    if (seen.has(next)) {
      throw new ManagementApiError({ route: opts.route, apiMessage: 'the checkpoint cursor repeated; stopping instead of looping' });
    }
    seen.add(next);
    from = next;
  }
}

/** Collects an async iterable into batches of `size` (e.g. 10 members per request). */
export async function* batches<T>(items: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[], void, undefined> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
