/**
 * A local model of one Auth0 rate-limit bucket, used to pace requests so the bucket never
 * empties (rather than reacting to 429s).
 *
 * Model: a token bucket of size `limit` (from `x-ratelimit-limit`) refilled at `rate` tokens/s.
 * - Every response re-synchronises the token count with the server's `x-ratelimit-remaining`,
 *   minus the requests sent after that one which are still in flight (the server has not
 *   counted them yet when it answered), plus the refill since that request was sent. Stale
 *   responses (older than the last sync) are ignored.
 * - Between responses the count refills at the rate: the configured `refillPerSecond`, else
 *   the measured rate, else Auth0's published rate for that bucket size (rate-headers.ts).
 * - Measuring: over windows of at least `estimateWindowMs` in which the bucket stayed below
 *   full, refill = Δremaining + requests the server counted in between (averaged). A window
 *   ending near full only bounds the rate from below: it raises a lower estimate and is
 *   otherwise dropped. Windows across an idle queue are dropped.
 * - A request may start when, after taking its token, at least `floor` tokens are left:
 *   `floor = reserveTokens + (1 - budget) × limit` (capped at limit − 1), so a budget leaves
 *   the rest of the burst to production. A budget also caps the sustained rate at
 *   `budget × rate` with a small local bucket (`budgetBurstSeconds` of budgeted rate).
 * - Before the first response nothing is known: one probe request at a time. Later, if no
 *   response has described the bucket for a while (max(2 s, 3 token intervals)) while requests
 *   wait, one request is let through to read fresh headers: a model that is wrong in the
 *   pessimistic direction (tokens taken by routes it did not count, a low rate estimate) then
 *   corrects itself instead of starving.
 * - After a 429 the model is blocked until the time the caller computed from
 *   `x-ratelimit-reset` (see `block`).
 * All times are caller-supplied epoch milliseconds (from the injected Clock).
 */
import { priorRefillRate, type RateLimitInfo } from './rate-headers.js';

export interface RateModelOptions {
  /** Share of the bucket a0vault may use, 0 < budget ≤ 1. */
  budget: number;
  /** Known sustained refill rate (tokens/s); disables measuring. */
  refillPerSecond?: number;
  /** Tokens never taken, so the bucket does not empty (default 1). */
  reserveTokens: number;
  /** Size of the budget's local bucket, in seconds of budgeted rate (default 0.5). */
  budgetBurstSeconds: number;
  /** Minimum length of a refill measurement window (default 1000 ms). */
  estimateWindowMs: number;
  /** Measurement windows longer than this are discarded (default 5000 ms). */
  maxWindowMs: number;
}

interface Anchor {
  at: number;
  remaining: number;
  seq: number;
}

export class RateModel {
  private limitValue: number | undefined;
  private tokens = 0;
  private updatedAt = 0;
  private measured: number | undefined;
  private blockedUntil = 0;
  private nextSeq = 1;
  private lastSyncedSeq = 0;
  /** seq → when its token was taken (≈ sent). */
  private readonly inflight = new Map<number, number>();
  private rejected: number[] = [];
  private anchor: Anchor | undefined;
  private unmetered = false;
  private budgetTokens: number | undefined;
  private budgetUpdatedAt = 0;
  private lastSyncAt = 0;
  private probeSeq: number | undefined;
  private probeNext = false;

  constructor(private readonly opts: RateModelOptions) {}

  /** Bucket size learned from `x-ratelimit-limit`. */
  get limit(): number | undefined {
    return this.limitValue;
  }

  /** Sustained refill rate in tokens/s that pacing assumes, or undefined before the first response. */
  get rate(): number | undefined {
    if (this.opts.refillPerSecond !== undefined) return this.opts.refillPerSecond;
    // 5 % under the measurement: estimates wobble by a few percent, and an estimate above the
    // true rate would spend the reserve token
    if (this.measured !== undefined) return this.measured * 0.95;
    return this.limitValue === undefined ? undefined : priorRefillRate(this.limitValue);
  }

  get state(): { limit?: number; tokens: number; rate?: number; measured?: number; inflight: number } {
    return { limit: this.limitValue, tokens: this.tokens, rate: this.rate, measured: this.measured, inflight: this.inflight.size };
  }

  /**
   * How long until a request may start on this bucket: 0 = now, Infinity = only after a
   * response arrives (probing). Call `take` right after a 0 (same `now`) to claim the token.
   */
  waitFor(now: number): number {
    if (now < this.blockedUntil) return this.blockedUntil - now;
    const limit = this.limitValue;
    const rate = this.rate;
    if (limit === undefined || rate === undefined) return this.unmetered || this.inflight.size === 0 ? 0 : Infinity;
    this.refill(now, limit, rate);
    const floor = Math.min(this.opts.reserveTokens + (1 - this.opts.budget) * limit, limit - 1);
    const floorWait = this.tokens - 1 < floor ? ((floor + 1 - this.tokens) / rate) * 1000 : 0;
    const budgetWait = this.budgetWait(now, rate);
    if (floorWait > 0 && budgetWait === 0 && this.isStale(now, rate)) {
      // Nothing has told us the bucket's state for a while (other routes took its tokens, or
      // the rate estimate is too low): let one request through to read fresh headers. Never
      // beyond the budget.
      this.probeNext = true;
      return 0;
    }
    return Math.max(floorWait, budgetWait);
  }

  private isStale(now: number, rate: number): boolean {
    return this.probeSeq === undefined && now - this.lastSyncAt >= Math.max(2000, 3000 / rate);
  }

  /** Claims a token (after `waitFor` said 0) and returns the request's sequence number. */
  take(now: number): number {
    if (this.limitValue !== undefined) {
      this.tokens -= 1;
      if (this.budgetTokens !== undefined) this.budgetTokens -= 1;
    }
    const seq = this.nextSeq++;
    this.inflight.set(seq, now);
    if (this.probeNext) {
      this.probeSeq = seq;
      this.probeNext = false;
    }
    this.updatedAt = Math.max(this.updatedAt, now);
    return seq;
  }

  /** A response arrived for request `seq`; `info` is undefined when it carried no headers. */
  observe(seq: number, now: number, info: RateLimitInfo | undefined, rejected: boolean): void {
    const sentAt = this.inflight.get(seq) ?? now;
    this.release(seq);
    if (rejected && this.anchor) this.rejected.push(seq);
    if (!info) {
      // A route without a rate-limit policy sends no headers: nothing to pace against.
      if (this.limitValue === undefined) this.unmetered = true;
      return;
    }
    if (this.limitValue !== info.limit) {
      this.limitValue = info.limit;
      this.anchor = undefined;
    }
    if (seq < this.lastSyncedSeq) return;
    this.lastSyncedSeq = seq;
    this.lastSyncAt = now;
    let after = 0;
    for (const s of this.inflight.keys()) if (s > seq) after++;
    // `remaining` was counted when the request reached the server, at the earliest when it was
    // sent: credit the refill since then (the slight optimism is within the reserve token)
    const refilled = this.rate === undefined ? 0 : ((now - sentAt) / 1000) * this.rate;
    this.tokens = Math.min(info.limit, Math.max(0, info.remaining - after + refilled));
    this.updatedAt = now;
    if (!rejected) this.measure(now, info, seq);
  }

  /** Synchronises with headers from a request this model did not pace (its buckets were unknown). */
  sync(now: number, info: RateLimitInfo): void {
    this.limitValue = info.limit;
    this.tokens = Math.max(0, info.remaining - this.inflight.size);
    this.updatedAt = now;
    this.lastSyncAt = now;
    // someone this model does not count took tokens: the measurement window is unreliable
    this.anchor = undefined;
  }

  /** The request `seq` ended without a response (network error, timeout, cancel). */
  release(seq: number): void {
    this.inflight.delete(seq);
    if (seq === this.probeSeq) this.probeSeq = undefined;
  }

  /** After a 429: no request starts before `until`, and the bucket is taken as empty. */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
    this.tokens = 0;
  }

  /** The queue went idle: the bucket may fill unobserved, so the measurement window restarts. */
  markIdle(): void {
    this.anchor = undefined;
    this.rejected = [];
  }

  private refill(now: number, limit: number, rate: number): void {
    if (now > this.updatedAt) {
      this.tokens = Math.min(limit, this.tokens + ((now - this.updatedAt) / 1000) * rate);
      this.updatedAt = now;
    }
  }

  private budgetWait(now: number, rate: number): number {
    if (this.opts.budget >= 1) return 0;
    // 5 % under the budgeted rate, so a window that starts with a full budget bucket stays under
    const budgetRate = rate * this.opts.budget * 0.95;
    const capacity = Math.max(1, budgetRate * this.opts.budgetBurstSeconds);
    if (this.budgetTokens === undefined) {
      this.budgetTokens = capacity;
      this.budgetUpdatedAt = now;
    }
    this.budgetTokens = Math.min(capacity, this.budgetTokens + ((now - this.budgetUpdatedAt) / 1000) * budgetRate);
    this.budgetUpdatedAt = now;
    return this.budgetTokens >= 1 ? 0 : ((1 - this.budgetTokens) / budgetRate) * 1000;
  }

  private measure(now: number, info: RateLimitInfo, seq: number): void {
    if (this.opts.refillPerSecond !== undefined) return;
    const near = info.remaining > info.limit - 2;
    const a = this.anchor;
    if (!a || now - a.at > this.opts.maxWindowMs) {
      this.setAnchor(near ? undefined : { at: now, remaining: info.remaining, seq });
      return;
    }
    const dt = now - a.at;
    if (dt < (near ? this.opts.estimateWindowMs / 2 : this.opts.estimateWindowMs)) {
      if (near) this.setAnchor(undefined);
      return;
    }
    const rejectedBetween = this.rejected.filter((s) => s > a.seq && s <= seq).length;
    const consumed = seq - a.seq - rejectedBetween;
    const sample = ((info.remaining - a.remaining + consumed) / dt) * 1000;
    if (near) {
      // the bucket may have been full in between: the sample only bounds the rate from below,
      // which is still worth knowing when the estimate is lower (else pacing stays too slow)
      if (sample * 0.95 > (this.rate ?? 0)) this.measured = sample;
      this.setAnchor(undefined);
      return;
    }
    if (sample > 0) this.measured = this.measured === undefined ? sample : 0.7 * this.measured + 0.3 * sample;
    this.setAnchor({ at: now, remaining: info.remaining, seq });
  }

  private setAnchor(anchor: Anchor | undefined): void {
    this.anchor = anchor;
    this.rejected = anchor ? this.rejected.filter((s) => s > anchor.seq) : [];
  }
}
