/**
 * Test support (not shipped behaviour): a fake Auth0 tenant behind an injected `fetch`.
 * It keeps a server-side token bucket on the ManualClock and answers with x-ratelimit-* headers
 * like Auth0 (reset = epoch seconds when the next token arrives), 429 when the bucket is empty,
 * a client-credentials token endpoint, and a per-test handler for everything else.
 */
import type { ManualClock } from '../../core/clock.js';

export interface FakeCall {
  method: string;
  url: URL;
  headers: Headers;
  body: RequestInit['body'];
  at: number;
}

export type FakeHandler = (call: FakeCall) => Response | Promise<Response>;

export interface FakeApiOptions {
  limit?: number;
  refillPerSecond?: number;
  /** Simulated latency of every response (on the clock). */
  latencyMs?: number;
  handler?: FakeHandler;
  /** Token endpoint handler; default issues tok-1, tok-2, … with the given scope. */
  tokenHandler?: FakeHandler;
  scope?: string;
  /** Extra buckets for matching requests (taken together with the global one). */
  routeBuckets?: { match: (call: FakeCall) => boolean; limit: number; refillPerSecond: number }[];
}

interface ServerBucket {
  limit: number;
  rate: number;
  tokens: number;
  updatedAt: number;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

export class FakeApi {
  readonly calls: FakeCall[] = [];
  readonly tokenCalls: FakeCall[] = [];
  /** Remaining tokens after each accepted request (what the header said). */
  readonly remainingSeen: number[] = [];
  rejected = 0;
  handler: FakeHandler;
  tokenHandler: FakeHandler;
  private readonly global: ServerBucket;
  private readonly routeBuckets: { match: (call: FakeCall) => boolean; bucket: ServerBucket }[];
  private issued = 0;
  readonly limit: number;
  readonly rate: number;

  constructor(
    private readonly clock: ManualClock,
    private readonly opts: FakeApiOptions = {},
  ) {
    this.limit = opts.limit ?? 50;
    this.rate = opts.refillPerSecond ?? 16;
    this.global = { limit: this.limit, rate: this.rate, tokens: this.limit, updatedAt: clock.now() };
    this.routeBuckets = (opts.routeBuckets ?? []).map((b) => ({
      match: b.match,
      bucket: { limit: b.limit, rate: b.refillPerSecond, tokens: b.limit, updatedAt: clock.now() },
    }));
    this.handler = opts.handler ?? (() => json(200, {}));
    this.tokenHandler =
      opts.tokenHandler ??
      (() => json(200, { access_token: `tok-${++this.issued}`, expires_in: 86400, scope: opts.scope ?? 'read:users', token_type: 'Bearer' }));
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const call: FakeCall = {
      method: (init?.method ?? 'GET').toUpperCase(),
      url,
      headers: new Headers(init?.headers),
      body: init?.body,
      at: this.clock.now(),
    };
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    if (url.pathname === '/oauth/token') {
      this.tokenCalls.push(call);
      return this.tokenHandler(call);
    }
    this.calls.push(call);
    const headers = this.take(call);
    if (this.opts.latencyMs) await this.clock.sleep(this.opts.latencyMs, signal);
    const res = headers.rejected
      ? json(429, { statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached', errorCode: 'too_many_requests' })
      : await abortable(Promise.resolve(this.handler(call)), signal);
    for (const [k, v] of Object.entries(headers.values)) if (!res.headers.has(k)) res.headers.set(k, v);
    return res;
  };

  /** Takes one token from every bucket of the request; the headers describe the tightest. */
  private take(call: FakeCall): { rejected: boolean; values: Record<string, string> } {
    const now = this.clock.now();
    const buckets = [this.global, ...this.routeBuckets.filter((b) => b.match(call)).map((b) => b.bucket)];
    for (const b of buckets) {
      b.tokens = Math.min(b.limit, b.tokens + ((now - b.updatedAt) / 1000) * b.rate);
      b.updatedAt = now;
    }
    const refusing = buckets.find((b) => b.tokens < 1);
    if (refusing) {
      this.rejected++;
      return { rejected: true, values: headersOf(refusing, now) };
    }
    for (const b of buckets) b.tokens -= 1;
    const tightest = buckets.reduce((a, b) => (b.tokens / b.limit < a.tokens / a.limit ? b : a));
    this.remainingSeen.push(Math.floor(tightest.tokens));
    return { rejected: false, values: headersOf(tightest, now) };
  }
}

function headersOf(b: ServerBucket, now: number): Record<string, string> {
  const remaining = Math.floor(b.tokens);
  const nextToken = now + ((1 - (b.tokens - remaining)) / b.rate) * 1000;
  return {
    'x-ratelimit-limit': String(b.limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(Math.ceil(nextToken / 1000)),
  };
}

/** Like fetch: rejects with the signal's reason when it aborts first. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Advances the clock in steps until the promise settles (or maxMs of clock time pass). */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 10, maxMs = 3_600_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  const start = clock.now();
  for (;;) {
    // let the code under test run to its next wait before time moves: until the number of
    // pending sleeps has not changed for 20 turns of the event loop (a fixed handful of turns
    // was not enough on a loaded machine, and time moved while a response was still parsed)
    let stable = 0;
    let last = -1;
    for (let i = 0; i < 2000 && stable < 20 && !settled; i++) {
      await new Promise<void>((r) => setImmediate(r));
      stable = clock.pending === last ? stable + 1 : 0;
      last = clock.pending;
    }
    if (settled || clock.now() - start >= maxMs) break;
    await clock.advance(stepMs);
  }
  return watched;
}
