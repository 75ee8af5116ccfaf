/** Counters the queue keeps per route (`GET /roles/{id}/users`) and in total. */
export interface RouteCounters {
  /** Attempts sent (first tries and retries). */
  requests: number;
  /** Attempts after the first (for any reason). */
  retries: number;
  /** 429 responses received. */
  rateLimited: number;
  /** Attempts that had to wait for the rate limit before being sent. */
  waits: number;
  /** Total time attempts spent waiting for the rate limit. */
  waitMs: number;
}

export interface BucketState {
  key: string;
  limit?: number;
  tokens: number;
  rate?: number;
  measured?: number;
  inflight: number;
}

export interface QueueStats {
  total: RouteCounters;
  routes: Record<string, RouteCounters>;
  buckets: BucketState[];
}

const zero = (): RouteCounters => ({ requests: 0, retries: 0, rateLimited: 0, waits: 0, waitMs: 0 });

export class RouteStats {
  private readonly routes = new Map<string, RouteCounters>();
  private readonly total = zero();

  request(route: string): void {
    this.bump(route, (c) => c.requests++);
  }

  retry(route: string): void {
    this.bump(route, (c) => c.retries++);
  }

  rateLimited(route: string): void {
    this.bump(route, (c) => c.rateLimited++);
  }

  wait(route: string, ms: number): void {
    if (ms <= 0) return;
    this.bump(route, (c) => {
      c.waits++;
      c.waitMs += ms;
    });
  }

  snapshot(buckets: BucketState[]): QueueStats {
    const routes: Record<string, RouteCounters> = {};
    for (const [k, v] of [...this.routes].sort(([a], [b]) => a.localeCompare(b))) routes[k] = { ...v };
    return { total: { ...this.total }, routes, buckets };
  }

  private bump(route: string, f: (c: RouteCounters) => void): void {
    let c = this.routes.get(route);
    if (!c) {
      c = zero();
      this.routes.set(route, c);
    }
    f(c);
    f(this.total);
  }
}
