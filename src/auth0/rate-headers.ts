/**
 * Auth0's rate-limit headers: `x-ratelimit-limit` (bucket size), `x-ratelimit-remaining`
 * (tokens left after this request) and `x-ratelimit-reset` (UNIX epoch **seconds** when tokens
 * are next added). See shared/research/auth0-api.md §3.
 */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  /** Epoch milliseconds (converted from the header's seconds). */
  resetAt: number | undefined;
}

/** Parses the three headers; undefined unless limit and remaining are both valid numbers. */
export function parseRateLimitHeaders(headers: Headers): RateLimitInfo | undefined {
  const limit = toInt(headers.get('x-ratelimit-limit'));
  const remaining = toInt(headers.get('x-ratelimit-remaining'));
  if (limit === undefined || remaining === undefined || limit <= 0) return undefined;
  const reset = toInt(headers.get('x-ratelimit-reset'));
  return { limit, remaining: Math.max(0, Math.min(remaining, limit)), resetAt: reset === undefined ? undefined : reset * 1000 };
}

function toInt(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? Math.floor(n) : undefined;
}

/**
 * Sustained refill rates Auth0 publishes for a bucket size (rate-limit-configurations pages);
 * where two plans share a bucket size, the slower rate. Used only until the rate is measured,
 * or when it cannot be (a budget keeps the bucket near full, so refills cannot be observed).
 */
const PUBLISHED_RATES = new Map<number, number>([
  [2, 2], // Free: burst 2, 2/s
  [10, 2], // Enterprise non-production 2/s; Essentials "all other endpoints" 150/min
  [50, 16], // Enterprise production: burst 50, 16/s
  [20, 200 / 60], // Essentials write users / org members: 200/min (private cloud 20/s)
  [40, 500 / 60], // Essentials read users / org members: 500/min
  [5, 50 / 60], // Essentials read connections / orgs: 50/min
]);

/** A conservative refill rate (tokens/s) for a bucket of this size. */
export function priorRefillRate(limit: number): number {
  return PUBLISHED_RATES.get(limit) ?? Math.max(limit / 10, 0.5);
}
