/**
 * Request statistics for `GET /__emulator/stats`: counts per route (`METHOD pattern`) and
 * status, 429s, requests per second (timeline and histogram), unmatched requests (routes the
 * emulator does not implement — what real-client tests assert on), and the peak number of
 * concurrent import jobs reported by the jobs module.
 */
import type { JobGauge } from './runtime.js';

export interface StatsSnapshot {
  total: number;
  byRoute: Record<string, Record<string, number>>;
  tooManyRequests: number;
  /** `METHOD /path` of requests that matched no route, with counts. */
  unmatched: Record<string, number>;
  /** Epoch second → requests answered in that second (the last 3600 seconds with traffic). */
  perSecond: Record<string, number>;
  /** Requests-per-second value → number of seconds with that many requests. */
  rpsHistogram: Record<string, number>;
  concurrentImportJobs: number;
  peakConcurrentImportJobs: number;
}

export class Stats implements JobGauge {
  private total = 0;
  private byRoute = new Map<string, Map<number, number>>();
  private tooMany = 0;
  private unmatched = new Map<string, number>();
  private perSecond = new Map<number, number>();
  private importJobs = 0;
  private peakImportJobs = 0;

  constructor(private readonly now: () => number) {}

  record(routeKey: string, status: number): void {
    this.total++;
    let m = this.byRoute.get(routeKey);
    if (!m) {
      m = new Map();
      this.byRoute.set(routeKey, m);
    }
    m.set(status, (m.get(status) ?? 0) + 1);
    if (status === 429) this.tooMany++;
    const sec = Math.floor(this.now() / 1000);
    this.perSecond.set(sec, (this.perSecond.get(sec) ?? 0) + 1);
    if (this.perSecond.size > 3600) {
      const oldest = this.perSecond.keys().next().value;
      if (oldest !== undefined) this.perSecond.delete(oldest);
    }
  }

  recordUnmatched(method: string, path: string): void {
    const key = `${method} ${path}`;
    this.unmatched.set(key, (this.unmatched.get(key) ?? 0) + 1);
  }

  importJobStarted(): void {
    this.importJobs++;
    this.peakImportJobs = Math.max(this.peakImportJobs, this.importJobs);
  }

  importJobFinished(): void {
    this.importJobs = Math.max(0, this.importJobs - 1);
  }

  reset(): void {
    this.total = 0;
    this.byRoute.clear();
    this.tooMany = 0;
    this.unmatched.clear();
    this.perSecond.clear();
    this.peakImportJobs = this.importJobs;
  }

  snapshot(): StatsSnapshot {
    const byRoute: Record<string, Record<string, number>> = {};
    for (const [k, m] of [...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) byRoute[k] = Object.fromEntries(m);
    const histogram: Record<string, number> = {};
    for (const n of this.perSecond.values()) histogram[n] = (histogram[n] ?? 0) + 1;
    return {
      total: this.total,
      byRoute,
      tooManyRequests: this.tooMany,
      unmatched: Object.fromEntries(this.unmatched),
      perSecond: Object.fromEntries(this.perSecond),
      rpsHistogram: histogram,
      concurrentImportJobs: this.importJobs,
      peakConcurrentImportJobs: this.peakImportJobs,
    };
  }
}
