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
  private tokens: number;
  private updatedAt: number;
  private issued = 0;
  readonly limit: number;
  readonly rate: number;

  constructor(
    private readonly clock: ManualClock,
    private readonly opts: FakeApiOptions = {},
  ) {
    this.limit = opts.limit ?? 50;
    this.rate = opts.refillPerSecond ?? 16;
    this.tokens = this.limit;
    this.updatedAt = clock.now();
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
    const headers = this.take();
    if (this.opts.latencyMs) await this.clock.sleep(this.opts.latencyMs, signal);
    const res = headers.rejected
      ? json(429, { statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached', errorCode: 'too_many_requests' })
      : await abortable(Promise.resolve(this.handler(call)), signal);
    for (const [k, v] of Object.entries(headers.values)) if (!res.headers.has(k)) res.headers.set(k, v);
    return res;
  };

  /** Takes one token from the server bucket; the headers describe the state after it. */
  private take(): { rejected: boolean; values: Record<string, string> } {
    const now = this.clock.now();
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
    const rejected = this.tokens < 1;
    if (rejected) this.rejected++;
    else this.tokens -= 1;
    const remaining = Math.floor(this.tokens);
    if (!rejected) this.remainingSeen.push(remaining);
    const nextToken = now + ((1 - (this.tokens - remaining)) / this.rate) * 1000;
    return {
      rejected,
      values: {
        'x-ratelimit-limit': String(this.limit),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-reset': String(Math.ceil(nextToken / 1000)),
      },
    };
  }
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
    // let the code under test run to its next wait before time moves
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    if (settled || clock.now() - start >= maxMs) break;
    await clock.advance(stepMs);
  }
  return watched;
}
