/**
 * Which rate-limit buckets a route draws on, learned from responses.
 *
 * Auth0 evaluates a global bucket and, for some routes, a route bucket, and reports the
 * headers of one of them (the emulator: the tightest). Buckets are told apart by their size
 * (`x-ratelimit-limit`): one RateModel per size. A route's request takes a token from every
 * bucket the route has reported so far, and from the bucket most routes report (taken to be
 * the global bucket: a route with its own bucket usually reports only that one while the
 * global bucket is fuller, yet still spends global tokens). A route that has not answered yet
 * also has a probe model of its own that lets one request through at a time.
 * Conservative by design: on a plan without a global bucket (Essentials) the shared "all other
 * endpoints" bucket is taken for global and also paces routes that have their own bucket; and
 * two different buckets of the same size share a model (they are paced together).
 */
import type { Ticket } from './pacer.js';
import type { RateLimitInfo } from './rate-headers.js';
import { RateModel, type RateModelOptions } from './rate-model.js';
import type { BucketState } from './stats.js';

export class Buckets {
  private readonly bySize = new Map<number, RateModel>();
  private readonly routeSizes = new Map<string, Set<number>>();
  private readonly probes = new Map<string, RateModel>();

  constructor(private readonly opts: RateModelOptions) {}

  /** The models a request on this route must take a token from (now). */
  forRoute(route: string): RateModel[] {
    const global = this.globalSize();
    const sizes = new Set(this.routeSizes.get(route));
    const models: RateModel[] = [];
    if (sizes.size === 0) {
      let probe = this.probes.get(route);
      if (!probe) {
        probe = new RateModel(this.opts);
        this.probes.set(route, probe);
      }
      models.push(probe);
    }
    if (global !== undefined) sizes.add(global);
    for (const n of sizes) models.push(this.model(n));
    return models;
  }

  /** The size reported by the most routes (ties: the larger). */
  private globalSize(): number | undefined {
    const counts = new Map<number, number>();
    for (const sizes of this.routeSizes.values()) for (const n of sizes) counts.set(n, (counts.get(n) ?? 0) + 1);
    let best: number | undefined;
    let bestCount = 0;
    for (const [n, c] of counts) if (c > bestCount || (c === bestCount && best !== undefined && n > best)) [best, bestCount] = [n, c];
    return best;
  }

  /** Feeds a response's headers to the bucket they describe; the ticket's other buckets are released. */
  observe(route: string, ticket: Ticket, info: RateLimitInfo | undefined, rejected: boolean, now: number): void {
    if (!info) {
      for (const t of ticket.taken) t.model.observe(t.seq, now, undefined, rejected);
      return;
    }
    const known = this.bySize.get(info.limit);
    const target = ticket.taken.find((t) => t.model === known) ?? (known ? undefined : ticket.taken.find((t) => t.model.limit === undefined));
    for (const t of ticket.taken) if (t !== target) t.model.release(t.seq);
    if (target) {
      target.model.observe(target.seq, now, info, rejected);
      this.bySize.set(info.limit, target.model);
    } else {
      this.model(info.limit).sync(now, info);
    }
    this.probes.delete(route);
    const sizes = this.routeSizes.get(route) ?? new Set<number>();
    sizes.add(info.limit);
    this.routeSizes.set(route, sizes);
  }

  /** The request ended without a response. */
  release(ticket: Ticket): void {
    for (const t of ticket.taken) t.model.release(t.seq);
  }

  /** After a 429: block the bucket the headers describe (all of the ticket's if unknown). */
  block(ticket: Ticket, info: RateLimitInfo | undefined, until: number): void {
    const target = info ? this.bySize.get(info.limit) : undefined;
    for (const m of target ? [target] : ticket.taken.map((t) => t.model)) m.block(until);
  }

  /** The slowest refill rate among the ticket's buckets (tokens/s), if known. */
  rate(ticket: Ticket): number | undefined {
    const rates = ticket.taken.map((t) => t.model.rate).filter((r): r is number => r !== undefined);
    return rates.length > 0 ? Math.min(...rates) : undefined;
  }

  markIdle(): void {
    for (const m of this.bySize.values()) m.markIdle();
  }

  states(): BucketState[] {
    return [...this.bySize].map(([size, m]) => ({ key: `limit-${size}`, ...m.state }));
  }

  private model(size: number): RateModel {
    let m = this.bySize.get(size);
    if (!m) {
      m = new RateModel(this.opts);
      this.bySize.set(size, m);
    }
    return m;
  }
}
