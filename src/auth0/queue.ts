/**
 * The one request scheduler every Management API call passes through.
 *
 * Algorithm, per request:
 * 1. The pacer (pacer.ts) waits, by priority (polling > interactive > background), until every
 *    bucket the route draws on (buckets.ts, rate-model.ts) has a token above the
 *    reserve/budget floor and the `maxRps` cap allows it, so the bucket never empties. A
 *    waiting request holds no slot, so a slow bucket does not block requests on other buckets.
 * 2. p-queue then admits it by priority, at most `concurrency` in flight; a request whose
 *    signal aborts while queued is dropped without being sent (its token is given back).
 * 3. The attempt is sent with a fresh Authorization header and a per-attempt timeout (Clock).
 * 4. The response's x-ratelimit-* headers re-synchronise the model. Then:
 *    - 2xx/3xx: returned (body unread).
 *    - 429: the bucket is blocked until x-ratelimit-reset plus jitter, then the request is
 *      retried (up to `maxRateLimitRetries`; a reset further away than `maxRateLimitWaitMs`
 *      fails at once with code 'rate-limited', as does a 429 reporting tokens left, which is a
 *      concurrency limit such as the two import-job slots).
 *    - 401: the token is refreshed and the request retried, once.
 *    - 5xx, connection errors, timeouts: retried with capped exponential backoff and jitter, up
 *      to `maxRetries` (not for `retry: 'rate-limit'` requests or stream bodies).
 *    - other 4xx: fail at once with ManagementApiError naming method, route and Auth0's message.
 * Nothing is started or retried once the queue's or the request's signal has aborted: those
 * reject with CancelledError. Counters per route are kept; long waits become progress events.
 */
import PQueue from 'p-queue';
import { anySignal, systemClock, type Clock } from '../core/abort.js';
import { CancelledError } from '../core/errors.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import { ManagementApiError } from './errors.js';
import { errorFromResponse } from './http-errors.js';
import { Buckets } from './buckets.js';
import { Pacer, type Ticket } from './pacer.js';
import { parseRateLimitHeaders } from './rate-headers.js';
import { routeOf } from './route.js';
import { deadline } from './timeout.js';
import { RouteStats, type QueueStats } from './stats.js';

export type Priority = 'polling' | 'interactive' | 'background';
const PRIORITY: Record<Priority, number> = { polling: 30, interactive: 20, background: 10 };

/** Supplies bearer tokens; `invalidate` returns true when a different token can be fetched. */
export interface Authorizer {
  token(signal: AbortSignal): Promise<string>;
  invalidate(token: string): boolean;
}

export interface ApiQueueOptions {
  /** Transport (global fetch in production, a fake in tests). */
  fetch: typeof fetch;
  clock?: Clock;
  progress?: ProgressReporter;
  /** Cancels everything: queued, waiting, in flight. */
  signal?: AbortSignal;
  auth?: Authorizer;
  /** Percent of the tenant's rate limit a0vault may use, 0 < p ≤ 100 (default 100). */
  apiBudget?: number;
  /** Absolute cap in requests per second. */
  maxRps?: number;
  /** Known sustained refill rate of the bucket (tokens/s); otherwise measured. */
  refillPerSecond?: number;
  /** Requests admitted at once, waiting or in flight (default 8). */
  concurrency?: number;
  reserveTokens?: number;
  /** Retries for 5xx, connection errors and timeouts (default 5). */
  maxRetries?: number;
  maxRateLimitRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  attemptTimeoutMs?: number;
  maxRateLimitWaitMs?: number;
  rateLimitJitterMs?: number;
  /** Waits at least this long are reported as progress events (default 1000 ms). */
  progressThresholdMs?: number;
  /** Random source for jitter, in [0, 1). */
  random?: () => number;
}

export interface ApiRequest {
  method: string;
  url: string;
  headers?: RequestInit['headers'];
  body?: RequestInit['body'];
  priority?: Priority;
  signal?: AbortSignal;
  /** 'all' (default) or 'rate-limit': only 429s are retried (for calls that must not repeat). */
  retry?: 'all' | 'rate-limit';
  /** Route label override; default derived from the URL. */
  route?: string;
}

type Settings = Required<Omit<ApiQueueOptions, 'signal' | 'auth' | 'maxRps' | 'refillPerSecond' | 'fetch'>>;

export class ApiQueue {
  private readonly pq: PQueue;
  private readonly pacer: Pacer;
  private readonly s: Settings;
  private readonly buckets: Buckets;
  private readonly stats = new RouteStats();
  private lastWaitEventEnd = 0;

  constructor(private readonly opts: ApiQueueOptions) {
    const budget = opts.apiBudget ?? 100;
    if (!(budget > 0 && budget <= 100)) throw new RangeError(`apiBudget must be in (0, 100], got ${budget}`);
    if (opts.maxRps !== undefined && !(opts.maxRps > 0)) throw new RangeError(`maxRps must be > 0, got ${opts.maxRps}`);
    this.s = {
      clock: opts.clock ?? systemClock,
      progress: opts.progress ?? silentProgress,
      apiBudget: budget,
      concurrency: opts.concurrency ?? 8,
      reserveTokens: opts.reserveTokens ?? 1,
      maxRetries: opts.maxRetries ?? 5,
      maxRateLimitRetries: opts.maxRateLimitRetries ?? 20,
      backoffBaseMs: opts.backoffBaseMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      attemptTimeoutMs: opts.attemptTimeoutMs ?? 60_000,
      maxRateLimitWaitMs: opts.maxRateLimitWaitMs ?? 120_000,
      rateLimitJitterMs: opts.rateLimitJitterMs ?? 500,
      progressThresholdMs: opts.progressThresholdMs ?? 1000,
      random: opts.random ?? Math.random,
    };
    this.pq = new PQueue({ concurrency: this.s.concurrency });
    this.buckets = new Buckets({
      budget: budget / 100,
      refillPerSecond: opts.refillPerSecond,
      reserveTokens: this.s.reserveTokens,
      budgetBurstSeconds: 0.5,
      estimateWindowMs: 1000,
      maxWindowMs: 5000,
    });
    this.pq.on('idle', () => {
      if (this.pacer.waiting === 0) this.buckets.markIdle();
    });
    this.pacer = new Pacer({ clock: this.s.clock, maxActive: this.s.concurrency, maxRps: opts.maxRps, onWait: (ms) => this.reportWait(ms) });
    opts.signal?.addEventListener('abort', () => this.pacer.wake(), { once: true });
  }

  /** Sends a request under the policy above; resolves with a 2xx/3xx Response (body unread). */
  async execute(req: ApiRequest): Promise<Response> {
    const signal = anySignal([this.opts.signal, req.signal]);
    const route = req.route ?? routeOf(req.method, req.url);
    if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
    try {
      return await this.run(req, route, signal);
    } catch (err) {
      if (signal.aborted && !(err instanceof CancelledError)) throw new CancelledError('Operation cancelled', { cause: signal.reason });
      throw err;
    }
  }

  /** Counters per route and in total, and what the queue knows of each bucket. */
  snapshot(): QueueStats {
    return this.stats.snapshot(this.buckets.states());
  }

  /** Requests waiting for the rate limit or for a slot (for backpressure). */
  get size(): number {
    return this.pacer.waiting + this.pq.size;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pq.pending;
  }

  private async run(req: ApiRequest, route: string, signal: AbortSignal): Promise<Response> {
    const canRepeat = !isStream(req.body);
    const maxRetries = canRepeat && req.retry !== 'rate-limit' ? this.s.maxRetries : 0;
    let failures = 0;
    let rateLimited = 0;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted(signal);
      const ticket = await this.pacer.acquire(() => this.buckets.forRoute(route), PRIORITY[req.priority ?? 'interactive'], signal);
      this.stats.wait(route, ticket.waitedMs);
      if (attempt > 1) this.stats.retry(route);
      const outcome = await this.admit(req, route, signal, ticket);
      if (outcome.kind === 'response') {
        const res = outcome.res;
        if (res.status < 400) return res;
        if (res.status === 429) {
          rateLimited++;
          const wait = this.rateLimitWait(res, ticket);
          if (!canRepeat || !isBucketLimit(res) || rateLimited > this.s.maxRateLimitRetries || wait > this.s.maxRateLimitWaitMs) {
            throw await errorFromResponse(route, res, attempt);
          }
          await res.body?.cancel().catch(() => undefined);
          this.buckets.block(ticket, parseRateLimitHeaders(res.headers), this.s.clock.now() + wait);
          continue;
        }
        if (res.status === 401 && !refreshed && canRepeat && this.opts.auth?.invalidate(outcome.token ?? '')) {
          refreshed = true;
          await res.body?.cancel().catch(() => undefined);
          continue;
        }
        if (res.status < 500 || failures >= maxRetries) throw await errorFromResponse(route, res, attempt);
        await res.body?.cancel().catch(() => undefined);
      } else if (failures >= maxRetries) {
        throw new ManagementApiError({ route, attempts: attempt, apiMessage: outcome.message }, { cause: outcome.error });
      }
      failures++;
      await this.backoff(route, failures, signal, outcome.kind === 'response' ? `${outcome.res.status}` : outcome.message);
    }
  }

  /** Runs the attempt in a p-queue slot (at most `concurrency` in flight, by priority). */
  private async admit(req: ApiRequest, route: string, signal: AbortSignal, ticket: Ticket): ReturnType<ApiQueue['attempt']> {
    let started = false;
    try {
      return await this.pq.add(
        () => {
          started = true;
          return this.attempt(req, route, signal, ticket);
        },
        { priority: PRIORITY[req.priority ?? 'interactive'], signal },
      );
    } catch (err) {
      if (!started) {
        // cancelled while waiting for a slot: the token was never used
        this.buckets.release(ticket);
        this.pacer.wake();
      }
      if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
      throw err;
    } finally {
      this.pacer.finish();
    }
  }

  private async attempt(
    req: ApiRequest,
    route: string,
    signal: AbortSignal,
    ticket: Ticket,
  ): Promise<{ kind: 'response'; res: Response; token?: string } | { kind: 'failed'; error: unknown; message: string }> {
    const headers = new Headers(req.headers);
    let token: string | undefined;
    if (this.opts.auth) {
      try {
        token = await this.opts.auth.token(signal);
      } catch (err) {
        this.buckets.release(ticket);
        this.pacer.wake();
        throw err;
      }
      headers.set('authorization', `Bearer ${token}`);
    }
    const limit = deadline(this.s.clock, this.s.attemptTimeoutMs, signal);
    try {
      this.throwIfAborted(signal);
      this.stats.request(route);
      const res = await this.opts.fetch(req.url, {
        method: req.method,
        headers,
        body: req.body ?? null,
        signal: limit.signal,
        ...(isStream(req.body) ? { duplex: 'half' } : {}),
      } as RequestInit);
      this.buckets.observe(route, ticket, parseRateLimitHeaders(res.headers), res.status === 429, this.s.clock.now());
      this.pacer.wake();
      if (res.status === 429) this.stats.rateLimited(route);
      return { kind: 'response', res, token };
    } catch (error) {
      this.buckets.release(ticket);
      this.pacer.wake();
      if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
      const message = limit.timedOut() ? `timed out after ${this.s.attemptTimeoutMs} ms` : describeNetworkError(error);
      return { kind: 'failed', error, message };
    } finally {
      limit.clear();
    }
  }

  /** Until x-ratelimit-reset, at least one token's refill time, plus jitter. */
  private rateLimitWait(res: Response, ticket: Ticket): number {
    const now = this.s.clock.now();
    const info = parseRateLimitHeaders(res.headers);
    const untilReset = info?.resetAt !== undefined ? info.resetAt - now : 0;
    const oneToken = 1000 / (this.buckets.rate(ticket) ?? 1);
    return Math.max(untilReset, oneToken) + this.s.random() * this.s.rateLimitJitterMs;
  }

  private async backoff(route: string, failures: number, signal: AbortSignal, why: string): Promise<void> {
    const base = Math.min(this.s.backoffMaxMs, this.s.backoffBaseMs * 2 ** (failures - 1));
    const ms = Math.round(base * (0.5 + this.s.random() * 0.5));
    if (ms >= this.s.progressThresholdMs) {
      this.s.progress.emit({ type: 'wait', reason: 'retry', ms, message: `retrying ${route} in ${formatSeconds(ms)} after ${why}` });
    }
    await this.s.clock.sleep(ms, signal);
  }

  private reportWait(ms: number): void {
    const now = this.s.clock.now();
    if (ms < this.s.progressThresholdMs || now < this.lastWaitEventEnd) return;
    this.lastWaitEventEnd = now + ms;
    this.s.progress.emit({ type: 'wait', reason: 'rate-limit', ms: Math.round(ms), message: `waiting ${formatSeconds(ms)} for rate limit` });
  }

  private throwIfAborted(signal: AbortSignal): void {
    if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
  }
}

/**
 * A 429 that still reports tokens left is not the rate limit but a concurrency limit (Auth0's
 * "There are 2 active import users jobs"): waiting for the bucket would not help, so it fails
 * at once and the caller (which knows its jobs) decides when to try again.
 */
function isBucketLimit(res: Response): boolean {
  const info = parseRateLimitHeaders(res.headers);
  return info === undefined || info.remaining === 0;
}

function isStream(body: unknown): boolean {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}

function formatSeconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}
