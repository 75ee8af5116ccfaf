/**
 * Route labels for counters and error messages: `GET /roles/{id}/users`. Built from the request
 * URL (the SDK does not expose its path templates): the part after `/api/v2`, without the
 * query string, with every segment that is not a plain lower-case word replaced by `{id}`.
 * Ids, user ids (`auth0|…`), email template names with `_`, and percent-encoded values all
 * become `{id}`; fixed words such as `members`, `users-exports` or `settings` stay.
 */
const API_PREFIX = '/api/v2';
const STATIC_SEGMENT = /^[a-z][a-z-]*$/;

export function routeOf(method: string, url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  let path = u.pathname;
  if (path.startsWith(API_PREFIX)) path = path.slice(API_PREFIX.length) || '/';
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => (STATIC_SEGMENT.test(s) ? s : '{id}'));
  return `${method.toUpperCase()} /${segments.join('/')}`;
}
