/**
 * Auth0's two pagination styles for the user-side lists.
 * - Offset: `page` (0-based), `per_page` (1..100, default 50), `include_totals`; bare array
 *   without totals, `{<key>, start, limit, total}` (plus `length` on /users) with them; at most
 *   the first 1,000 records are reachable, beyond that 400 `invalid_paging`.
 * - Checkpoint: `from` (opaque cursor from the previous `next`), `take` (1..100, default 50);
 *   `{<key>, next?}` where `next` is absent on the last page.
 */
import { ApiError } from '../http/types.js';
import { queryError } from './validate.js';

export interface OffsetPage {
  page: number;
  perPage: number;
  includeTotals: boolean;
}

export interface Checkpoint {
  /** Decoded cursor: the last key returned before. */
  after?: string;
  take: number;
}

const PER_PAGE_DESC = 'Number of results per page. Defaults to 50';

export function intParam(q: URLSearchParams, name: string, min: number, max: number | undefined, desc: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw queryError(`Expected type integer but found type string`, name, desc);
  const n = Number(raw);
  if (n < min) throw queryError(`Value ${n} is less than minimum ${min}`, name, desc);
  if (max !== undefined && n > max) throw queryError(`Value ${n} is greater than maximum ${max}`, name, desc);
  return n;
}

export function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw queryError('Expected type boolean but found type string', name);
}

/** Parses offset parameters; `minPerPage` is 0 on /users (per the OAS), 1 elsewhere. */
export function offsetParams(q: URLSearchParams, minPerPage = 1, maxPage?: number): OffsetPage {
  return {
    page: intParam(q, 'page', 0, maxPage, 'Page index of the results to return. First page is 0.') ?? 0,
    perPage: intParam(q, 'per_page', minPerPage, 100, PER_PAGE_DESC) ?? 50,
    includeTotals: boolParam(q, 'include_totals') ?? false,
  };
}

export const USERS_PAGING_MESSAGE =
  'You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation';
export const MEMBERS_PAGING_MESSAGE = 'Requesting page exceeds the allowed maximum of 1000 records.';

/** 400 invalid_paging when the requested page reaches past the first 1,000 records. */
export function assertWithinCap(p: OffsetPage, message: string): void {
  if ((p.page + 1) * p.perPage > 1000) throw new ApiError(400, message, 'invalid_paging');
}

/** True when the request uses checkpoint pagination (`from` or `take` present). */
export function isCheckpoint(q: URLSearchParams): boolean {
  return q.has('from') || q.has('take');
}

export function checkpointParams(q: URLSearchParams): Checkpoint {
  const take = intParam(q, 'take', 1, 100, 'Number of results per page. Defaults to 50.') ?? 50;
  const from = q.get('from');
  if (from === null || from === '') return { take };
  return { after: decodeCursor(from), take };
}

/** Opaque cursors: base64url of `c1:<key>`. */
export function encodeCursor(key: string): string {
  return Buffer.from(`c1:${key}`, 'utf8').toString('base64url');
}

function decodeCursor(from: string): string {
  const raw = Buffer.from(from, 'base64url').toString('utf8');
  if (!raw.startsWith('c1:')) throw queryError("The 'from' parameter is invalid", 'from', 'Optional Id from which to start selection.');
  return raw.slice(3);
}

/** The offset-mode response: bare array, or the wrapper with totals (`length` only where Auth0 sends it). */
export function offsetBody(key: string, items: unknown[], p: OffsetPage, total: number, withLength = false): unknown {
  if (!p.includeTotals) return items;
  const body: Record<string, unknown> = { start: p.page * p.perPage, limit: p.perPage };
  if (withLength) body.length = items.length;
  body[key] = items;
  body.total = total;
  return body;
}
