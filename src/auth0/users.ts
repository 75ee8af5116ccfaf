/**
 * Single-user lookups for restore (translate a user by preserved user_id, else by email) and
 * small searches. Bulk reads use the export job (jobs.ts): `/users` search stops at 1,000.
 */
import type { Management } from 'auth0';
import type { CallOptions, ManagementApi } from './client.js';
import { ManagementApiError } from './errors.js';
import { paginateOffset } from './paginate.js';

/** The user, or undefined when Auth0 answers 404. */
export async function getUser(api: ManagementApi, userId: string, o: CallOptions & { fields?: string } = {}): Promise<Management.GetUserResponseContent | undefined> {
  const req = o.fields ? { fields: o.fields, include_fields: true } : {};
  try {
    return await api.call((ro) => api.sdk.users.get(userId, req, ro), o);
  } catch (err) {
    if (err instanceof ManagementApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Users with this email (exact, case-insensitive on Auth0's side), across connections. */
export function findUsersByEmail(api: ManagementApi, email: string, o: CallOptions = {}): Promise<Management.UserResponseSchema[]> {
  return api.call((ro) => api.sdk.users.listUsersByEmail({ email }, ro), o);
}

/**
 * Lucene search (search engine v3). Throws PaginationLimitError when more than 1,000 users
 * match: use an export job for those.
 */
export function searchUsers(api: ManagementApi, q: string, o: CallOptions & { fields?: string } = {}): AsyncGenerator<Management.UserResponseSchema> {
  return paginateOffset(
    async (page, perPage) => {
      const req = { q, search_engine: 'v3' as const, page, per_page: perPage, include_totals: true, ...(o.fields ? { fields: o.fields, include_fields: true } : {}) };
      const p = await api.call((ro) => api.sdk.users.list(req, ro), o);
      return { items: p.data, total: p.response.total };
    },
    { route: 'GET /users' },
  );
}

/** Quotes a value for a Lucene query (`user_id:"auth0|abc"`). */
export function luceneQuote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}
