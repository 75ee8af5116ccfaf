/**
 * Hands out permission to send, one request at a time, in priority order, when every
 * rate-limit bucket the request draws on (RateModel) and the absolute `maxRps` cap allow it.
 *
 * Contract:
 * - `acquire` resolves with a ticket (the model and the request's sequence number) or rejects
 *   with CancelledError when its signal aborts; an aborted waiter never gets a ticket.
 * - Among waiters, higher priority goes first; equal priorities go first-come first-served.
 *   A waiter whose bucket must wait does not hold back waiters that use none of its buckets.
 * - All waiting is on the injected Clock. `wake()` re-evaluates at once (a response arrived,
 *   a waiter joined or left); without it the pacer sleeps until the earliest computed time.
 * - Long waits are reported through `onWait` (the queue turns them into progress events).
 */
import type { Clock } from '../core/abort.js';
import { CancelledError } from '../core/errors.js';
import type { RateModel } from './rate-model.js';

export interface Ticket {
  /** The buckets the request took a token from, with its sequence number in each. */
  taken: { model: RateModel; seq: number }[];
  /** Time this request spent waiting for the rate limit. */
  waitedMs: number;
}

interface Waiter {
  /** Evaluated at grant time: the buckets a route draws on are learned while it waits. */
  models: () => readonly RateModel[];
  priority: number;
  order: number;
  since: number;
  resolve: (t: Ticket) => void;
}

export interface PacerOptions {
  clock: Clock;
  /** Tickets out at once (requests being sent or answered); each must be `finish`ed. */
  maxActive: number;
  /** Absolute cap in requests per second over all buckets (undefined = none). */
  maxRps?: number;
  /** Called when the pacer starts a wait for the rate limit (ms = planned length). */
  onWait?: (ms: number) => void;
}

export class Pacer {
  private waiters: Waiter[] = [];
  private order = 0;
  private pumping = false;
  private wakeCurrent: (() => void) | undefined;
  private capTokens: number;
  private active = 0;
  private capUpdatedAt: number;

  constructor(private readonly opts: PacerOptions) {
    this.capTokens = this.capCapacity();
    this.capUpdatedAt = opts.clock.now();
  }

  acquire(models: () => readonly RateModel[], priority: number, signal: AbortSignal): Promise<Ticket> {
    if (signal.aborted) return Promise.reject(new CancelledError('Operation cancelled', { cause: signal.reason }));
    return new Promise<Ticket>((resolve, reject) => {
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new CancelledError('Operation cancelled', { cause: signal.reason }));
        this.wake();
      };
      const waiter: Waiter = {
        models,
        priority,
        order: this.order++,
        since: this.opts.clock.now(),
        resolve: (t) => {
          signal.removeEventListener('abort', onAbort);
          resolve(t);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.waiters.sort((a, b) => b.priority - a.priority || a.order - b.order);
      this.wake();
      void this.pump();
    });
  }

  /**
   * The request of a ticket is over (answered, failed or abandoned): frees its slot. Tokens are
   * granted only when a slot is free, so the bucket model never commits to requests that would
   * sit in a queue while its information ages.
   */
  finish(): void {
    this.active = Math.max(0, this.active - 1);
    this.wake();
  }

  /** Re-evaluate now (tokens changed, a waiter joined or left). */
  wake(): void {
    this.wakeCurrent?.();
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const waitMs = this.grantAll();
        if (this.waiters.length === 0) break;
        if (waitMs > 0) await this.sleep(waitMs === Infinity ? waitMs : Math.ceil(waitMs));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Grants every waiter that may go now; returns how long until the next one might. */
  private grantAll(): number {
    const now = this.opts.clock.now();
    let minWait = Infinity;
    const blocked = new Set<RateModel>();
    for (const w of [...this.waiters]) {
      if (this.active >= this.opts.maxActive) return minWait === Infinity ? Infinity : minWait;
      const models = w.models();
      if (models.some((m) => blocked.has(m))) continue;
      const capWait = this.capWait(now);
      if (capWait > 0) return Math.min(minWait, capWait);
      const waits = models.map((m) => m.waitFor(now));
      const wait = Math.max(0, ...waits);
      if (wait > 0) {
        // only the buckets that said wait hold back later waiters; requests of other routes
        // may still use this waiter's other buckets (it gets first pick once it can go)
        models.forEach((m, i) => (waits[i] ?? 0) > 0 && blocked.add(m));
        minWait = Math.min(minWait, wait);
        continue;
      }
      if (this.opts.maxRps !== undefined) this.capTokens -= 1;
      this.active++;
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve({ taken: models.map((model) => ({ model, seq: model.take(now) })), waitedMs: now - w.since });
    }
    return this.waiters.length === 0 ? 0 : minWait;
  }

  private sleep(ms: number): Promise<void> {
    const ctl = new AbortController();
    this.wakeCurrent = () => ctl.abort();
    if (ms !== Infinity && ms >= 1) this.opts.onWait?.(ms);
    const done =
      ms === Infinity
        ? new Promise<void>((resolve) => ctl.signal.addEventListener('abort', () => resolve(), { once: true }))
        : this.opts.clock.sleep(ms, ctl.signal).catch(() => undefined);
    return done.finally(() => {
      this.wakeCurrent = undefined;
    });
  }

  private capCapacity(): number {
    // One token: at most `maxRps` sends in any one-second window.
    return this.opts.maxRps === undefined ? Infinity : 1;
  }

  private capWait(now: number): number {
    const rps = this.opts.maxRps;
    if (rps === undefined) return 0;
    this.capTokens = Math.min(this.capCapacity(), this.capTokens + ((now - this.capUpdatedAt) / 1000) * rps);
    this.capUpdatedAt = now;
    return this.capTokens >= 1 ? 0 : ((1 - this.capTokens) / rps) * 1000;
  }
}
