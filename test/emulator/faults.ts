/**
 * Fault injection, deterministic: rules are matched in order and each matching request (or
 * job query) draws from one seeded RNG, so the same seed and the same request sequence give
 * the same faults. A rule can answer an error status, add latency, or reset the connection;
 * `kind` rules (`export-job`, `import-job`) are queried by the job modules through
 * `shouldFail(kind)` instead of matching HTTP requests.
 */
import type { HttpMethod } from './http/types.js';
import type { FaultQuery } from './runtime.js';

export interface FaultRule {
  /** Route pattern below /api/v2 as registered (e.g. `/clients/:id`) or a path prefix ending in `*`. */
  route?: string;
  method?: HttpMethod;
  /** Job fault kind instead of a route (`export-job`, `import-job`). */
  kind?: string;
  /** Probability 0..1 that the rule fires when it matches (default 1). */
  rate?: number;
  /** Answer this status with Auth0's error body (e.g. 500, 503, 429). */
  status?: number;
  /** Delay the answer by this many milliseconds. */
  latencyMs?: number;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
  /** Fire at most this many times. */
  count?: number;
}

export interface FaultConfig {
  seed?: number;
  rules: FaultRule[];
}

export interface FaultAction {
  status?: number;
  latencyMs?: number;
  reset?: boolean;
}

/** mulberry32: small, fast, seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultRegistry implements FaultQuery {
  private rules: (FaultRule & { fired: number })[] = [];
  private random: () => number = rng(1);
  private seed = 1;

  configure(config: FaultConfig): void {
    this.seed = config.seed ?? 1;
    this.random = rng(this.seed);
    this.rules = config.rules.map((r) => ({ ...r, fired: 0 }));
  }

  clear(): void {
    this.configure({ rules: [] });
  }

  describe(): FaultConfig & { fired: number[] } {
    return { seed: this.seed, rules: this.rules.map(({ fired: _f, ...r }) => r), fired: this.rules.map((r) => r.fired) };
  }

  /** The fault to apply to one API request, if any (latency rules combine with status rules). */
  forRequest(method: HttpMethod, pattern: string | undefined, path: string): FaultAction | undefined {
    let action: FaultAction | undefined;
    for (const r of this.rules) {
      if (r.kind !== undefined) continue;
      if (r.method !== undefined && r.method !== method) continue;
      if (r.route !== undefined && !routeMatches(r.route, pattern, path)) continue;
      if (!this.fire(r)) continue;
      action ??= {};
      if (r.latencyMs !== undefined) action.latencyMs = (action.latencyMs ?? 0) + r.latencyMs;
      if (r.reset) action.reset = true;
      if (r.status !== undefined && action.status === undefined) action.status = r.status;
    }
    return action;
  }

  shouldFail(kind: string): boolean {
    for (const r of this.rules) {
      if (r.kind === kind && this.fire(r)) return true;
    }
    return false;
  }

  private fire(r: FaultRule & { fired: number }): boolean {
    if (r.count !== undefined && r.fired >= r.count) return false;
    const rate = r.rate ?? 1;
    const hit = rate >= 1 || this.random() < rate;
    if (hit) r.fired++;
    return hit;
  }
}

function routeMatches(rule: string, pattern: string | undefined, path: string): boolean {
  if (rule.endsWith('*')) return path.startsWith(rule.slice(0, -1));
  return rule === pattern || rule === path;
}
