/**
 * Management API rate limits as token buckets (../shared/research/auth0-api.md §3): a global
 * bucket per tenant and optional per-route buckets, evaluated global first. Every answer
 * carries `x-ratelimit-limit` (bucket size), `x-ratelimit-remaining` and `x-ratelimit-reset`
 * (epoch seconds at which the next token is added) of the tightest bucket that applied.
 *
 * Presets: `free` (2/s, burst 2), `enterprise` (16/s, burst 50, plus the organization
 * endpoint buckets), `essentials` (per-minute buckets of the Essentials/Professional table,
 * "all other endpoints combined" 150/min burst 10), `off` (nothing is limited; headers
 * describe a 1000-token bucket that never drains) and custom `limit/window,burst`, e.g.
 * `16/1,50`, `150/60,10`, `150/m,10`.
 */
import type { HttpMethod } from './http/types.js';

export interface BucketSpec {
  name: string;
  /** Tokens added per `windowSeconds`. */
  limit: number;
  windowSeconds: number;
  /** Bucket capacity. */
  burst: number;
}

export interface RouteBucketRule {
  methods: HttpMethod[];
  /** Matches the route pattern below /api/v2 (e.g. `/organizations/:id/members`). */
  pattern: RegExp;
  bucket: BucketSpec;
}

export interface RateLimitConfig {
  /** Human-readable name of the preset or custom spec. */
  name: string;
  /** Evaluated for every request; undefined = no global bucket. */
  global?: BucketSpec;
  routes: RouteBucketRule[];
  /** For routes without their own bucket when there is no global (Essentials "all other endpoints"). */
  other?: BucketSpec;
  off?: boolean;
}

const minute = 60;
const spec = (name: string, limit: number, windowSeconds: number, burst: number): BucketSpec => ({ name, limit, windowSeconds, burst });
const rule = (methods: HttpMethod[], pattern: RegExp, bucket: BucketSpec): RouteBucketRule => ({ methods, pattern, bucket });

const orgRules = (perMinute: { read: number; write: number }): RouteBucketRule[] => [
  rule(['GET'], /^\/organizations\/:[^/]+\/members$/, spec('read-org-members', 500, minute, 40)),
  rule(['POST', 'DELETE'], /^\/organizations\/:[^/]+\/members$/, spec('write-org-members', 200, minute, 20)),
  rule(['GET', 'POST', 'DELETE'], /^\/organizations\/:[^/]+\/members\/:[^/]+\/roles$/, spec('org-member-roles', 200, minute, 20)),
  rule(['GET'], /^\/organizations(\/:[^/]+)?$/, spec('read-orgs', perMinute.read, minute, 10)),
  rule(['POST', 'PATCH', 'DELETE'], /^\/organizations(\/:[^/]+)?$/, spec('write-orgs', perMinute.write, minute, 5)),
];

/** Parses a preset name or `limit/window,burst` (window: seconds, `s` or `m`). */
export function parseRateLimit(value: string): RateLimitConfig {
  switch (value) {
    case 'off':
      return { name: 'off', routes: [], off: true };
    case 'free':
      return { name: 'free', global: spec('global', 2, 1, 2), routes: [] };
    case 'enterprise':
      return { name: 'enterprise', global: spec('global', 16, 1, 50), routes: orgRules({ read: 100, write: 150 }) };
    case 'essentials':
      return {
        name: 'essentials',
        routes: [
          rule(['GET'], /^\/users$/, spec('read-users', 500, minute, 40)),
          rule(['POST', 'PATCH'], /^\/users(\/:[^/]+)?$/, spec('write-users', 200, minute, 20)),
          rule(['DELETE'], /^\/users\/:[^/]+$/, spec('delete-users', 200, minute, 20)),
          rule(['GET'], /^\/logs/, spec('read-logs', 100, minute, 10)),
          rule(['GET'], /^\/clients(\/:[^/]+)?$/, spec('read-clients', 100, minute, 5)),
          rule(['GET'], /^\/connections(\/:[^/]+)?$/, spec('read-connections', 50, minute, 5)),
          rule(['GET'], /^\/organizations\/:[^/]+\/members$/, spec('read-org-members', 500, minute, 40)),
          rule(['POST', 'DELETE'], /^\/organizations\/:[^/]+\/members$/, spec('write-org-members', 200, minute, 20)),
          rule(['GET', 'POST', 'DELETE'], /^\/organizations\/:[^/]+\/members\/:[^/]+\/roles$/, spec('org-member-roles', 200, minute, 20)),
          rule(['GET'], /^\/organizations(\/:[^/]+)?$/, spec('read-orgs', 50, minute, 5)),
        ],
        other: spec('other', 150, minute, 10),
      };
    default:
      return parseCustom(value);
  }
}

function parseCustom(value: string): RateLimitConfig {
  const m = /^(\d+)\/(\d+|s|m|min)(?:s)?,(\d+)$/.exec(value.trim());
  if (!m) throw new Error(`invalid --rate-limit "${value}": use off, free, enterprise, essentials or limit/window,burst (e.g. 16/1,50)`);
  const limit = Number(m[1]);
  const window = m[2] === 's' ? 1 : m[2] === 'm' || m[2] === 'min' ? 60 : Number(m[2]);
  const burst = Number(m[3]);
  if (limit <= 0 || window <= 0 || burst <= 0) throw new Error(`invalid --rate-limit "${value}": numbers must be positive`);
  return { name: value, global: spec('global', limit, window, burst), routes: [] };
}

interface BucketState {
  spec: BucketSpec;
  tokens: number;
  updated: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Name of the bucket that refused the request. */
  bucket?: string;
}

export class RateLimiter {
  private config: RateLimitConfig;
  private buckets = new Map<string, BucketState>();

  constructor(
    config: RateLimitConfig,
    private readonly now: () => number,
  ) {
    this.config = config;
  }

  get current(): RateLimitConfig {
    return this.config;
  }

  /** Replaces the configuration; buckets start full. */
  configure(config: RateLimitConfig): void {
    this.config = config;
    this.buckets.clear();
  }

  /** Takes one token from each applicable bucket (global first) or refuses. */
  take(method: HttpMethod, pattern: string | undefined): RateDecision {
    const now = this.now();
    if (this.config.off) {
      return { allowed: true, headers: headersFor(1000, 1000, now) };
    }
    const specs: BucketSpec[] = [];
    if (this.config.global) specs.push(this.config.global);
    const own = pattern === undefined ? undefined : this.config.routes.find((r) => r.methods.includes(method) && r.pattern.test(pattern));
    if (own) specs.push(own.bucket);
    else if (this.config.other && !this.config.global) specs.push(this.config.other);
    const states = specs.map((s) => this.refill(s, now));
    const refusing = states.find((s) => s.tokens < 1);
    if (refusing) return { allowed: false, headers: this.headers(refusing, now), bucket: refusing.spec.name };
    for (const s of states) s.tokens -= 1;
    const tightest = states.reduce<BucketState | undefined>((a, s) => (!a || s.tokens / s.spec.burst < a.tokens / a.spec.burst ? s : a), undefined);
    return { allowed: true, headers: tightest ? this.headers(tightest, now) : headersFor(1000, 1000, now) };
  }

  /** Headers of the global (or first) bucket without taking a token. */
  peek(): Record<string, string> {
    const now = this.now();
    const s = this.config.global ?? this.config.other;
    if (this.config.off || !s) return headersFor(1000, 1000, now);
    return this.headers(this.refill(s, now), now);
  }

  private refill(s: BucketSpec, now: number): BucketState {
    let state = this.buckets.get(s.name);
    if (!state) {
      state = { spec: s, tokens: s.burst, updated: now };
      this.buckets.set(s.name, state);
    }
    const perMs = s.limit / (s.windowSeconds * 1000);
    state.tokens = Math.min(s.burst, state.tokens + (now - state.updated) * perMs);
    state.updated = now;
    return state;
  }

  private headers(state: BucketState, now: number): Record<string, string> {
    const msPerToken = (state.spec.windowSeconds * 1000) / state.spec.limit;
    const missing = state.tokens >= 1 ? Math.max(0, 1 - (state.tokens % 1)) : 1 - state.tokens;
    const resetMs = state.tokens >= state.spec.burst ? now : now + Math.max(0, missing) * msPerToken;
    return {
      'x-ratelimit-limit': String(state.spec.burst),
      'x-ratelimit-remaining': String(Math.max(0, Math.floor(state.tokens))),
      'x-ratelimit-reset': String(Math.ceil(resetMs / 1000)),
    };
  }
}

function headersFor(limit: number, remaining: number, now: number): Record<string, string> {
  return { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(Math.ceil(now / 1000)) };
}

export const TOO_MANY_REQUESTS_BODY = {
  statusCode: 429,
  error: 'Too Many Requests',
  message: 'Global limit has been reached',
  errorCode: 'too_many_requests',
} as const;
