import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { CancelledError } from '../core/errors.js';
import type { ProgressEvent } from '../core/progress.js';
import { ManagementApiError } from './errors.js';
import { ApiQueue, type ApiQueueOptions, type ApiRequest } from './queue.js';
import { drive, FakeApi, json, type FakeApiOptions } from './test-support/fake-api.js';

const URL_BASE = 'https://tenant.example.com/api/v2';

function setup(api: FakeApiOptions = {}, queue: Partial<ApiQueueOptions> = {}) {
  const clock = new ManualClock();
  const fake = new FakeApi(clock, api);
  const events: ProgressEvent[] = [];
  const q = new ApiQueue({ fetch: fake.fetch, clock, progress: { emit: (e) => events.push(e) }, random: () => 0.5, ...queue });
  const get = (path: string, extra: Partial<ApiRequest> = {}) => q.execute({ method: 'GET', url: `${URL_BASE}${path}`, ...extra });
  return { clock, fake, q, events, get };
}

/** Largest number of sends in any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('ApiQueue pacing', () => {
  it('paces a burst so the server bucket never empties and no 429 is returned', async () => {
    const { clock, fake, q, get } = setup({ limit: 10, refillPerSecond: 5, latencyMs: 30 });
    const all = Promise.all(Array.from({ length: 80 }, (_, i) => get(`/roles/rol_${i}/users`)));
    const start = clock.now();
    const results = await drive(clock, all);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(fake.rejected).toBe(0);
    expect(Math.min(...fake.remainingSeen)).toBeGreaterThanOrEqual(1);
    // 80 requests with a burst of 10 at 5/s need ≥ 14 s; pacing should not waste much more.
    const elapsed = clock.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(13_000);
    expect(elapsed).toBeLessThan(14_000 * 1.25);
    const stats = q.snapshot();
    expect(stats.total.requests).toBe(80);
    expect(stats.total.rateLimited).toBe(0);
    expect(stats.routes['GET /roles/{id}/users']?.requests).toBe(80);
    expect(stats.total.waits).toBeGreaterThan(0);
  });

  it('stays under the limit when responses are slow (several requests in flight)', async () => {
    const { clock, fake, get } = setup({ limit: 50, refillPerSecond: 16, latencyMs: 200 });
    const start = clock.now();
    await drive(clock, Promise.all(Array.from({ length: 300 }, (_, i) => get(`/roles/rol_${i}/users`))));
    expect(fake.rejected).toBe(0);
    expect(clock.now() - start).toBeLessThan(((300 - 50) / 16) * 1000 * 1.12);
  });

  it('measures the refill rate when it differs from the published one', async () => {
    // A bucket of 50 is published at 16/s; this one refills at 8/s: pacing must adapt from the headers.
    const { clock, fake, q, get } = setup({ limit: 50, refillPerSecond: 8, latencyMs: 20 });
    const all = Promise.all(Array.from({ length: 200 }, (_, i) => get(`/users/u${i}`)));
    await drive(clock, all);
    expect(fake.rejected).toBeLessThanOrEqual(2);
    const measured = q.snapshot().buckets[0]?.measured ?? 0;
    expect(measured).toBeGreaterThan(6);
    expect(measured).toBeLessThan(10);
  });

  it('paces a route with its own bucket separately from the global one', async () => {
    // enterprise-like: global 50 @ 16/s, organization member writes also 20 @ 200/min
    const isOrgWrite = (c: { method: string; url: URL }) => c.method === 'POST' && c.url.pathname.endsWith('/members');
    const { clock, fake, q } = setup({ limit: 50, refillPerSecond: 16, latencyMs: 20, routeBuckets: [{ match: isOrgWrite, limit: 20, refillPerSecond: 200 / 60 }] });
    const post = (path: string) => q.execute({ method: 'POST', url: `${URL_BASE}${path}`, body: '{}' });
    const start = clock.now();
    const all = Promise.all([
      ...Array.from({ length: 60 }, (_, i) => post(`/organizations/org_${i % 3}/members`)),
      ...Array.from({ length: 300 }, (_, i) => post(`/roles/rol_${i % 5}/users`)),
    ]);
    await drive(clock, all);
    expect(fake.rejected).toBeLessThanOrEqual(2);
    const orgTimes = fake.calls.filter(isOrgWrite).map((c) => c.at - start);
    const roleTimes = fake.calls.filter((c) => !isOrgWrite(c)).map((c) => c.at - start);
    // 60 org writes from a burst of 20 at 3.33/s need ≥ 12 s; role writes are not held back by them
    expect(Math.max(...orgTimes)).toBeGreaterThanOrEqual(11_000);
    expect(Math.max(...orgTimes)).toBeLessThan(12_000 * 1.3);
    expect(Math.max(...roleTimes)).toBeLessThan(Math.max(...orgTimes) + 10_000);
    expect(q.snapshot().buckets.map((b) => b.limit).sort()).toEqual([20, 50]);
  });

  it('learns a refill rate far above the published prior for its bucket size', async () => {
    // a bucket of 5 is published at 50/min; this one refills at 10/s and fills up between requests
    const { clock, fake, get } = setup({ limit: 5, refillPerSecond: 10, latencyMs: 20 });
    const start = clock.now();
    await drive(clock, Promise.all(Array.from({ length: 100 }, (_, i) => get(`/connections/c${i}`))));
    expect(fake.rejected).toBeLessThanOrEqual(2);
    expect(clock.now() - start).toBeLessThan(((100 - 4) / 10) * 1000 * 1.5);
  });

  it('keeps a 50% budget to about half the sustained limit in every 10 s window', async () => {
    const { clock, fake, get } = setup({ limit: 50, refillPerSecond: 16, latencyMs: 20 }, { apiBudget: 50 });
    const all = Promise.all(Array.from({ length: 400 }, (_, i) => get(`/roles/r/users?i=${i}`)));
    await drive(clock, all);
    const share = maxInWindow(fake.calls.map((c) => c.at), 10_000) / (16 * 10);
    expect(share).toBeLessThanOrEqual(0.55);
    expect(share).toBeGreaterThan(0.4);
    // and the budget leaves the burst to others: the bucket stays at least half full
    expect(Math.min(...fake.remainingSeen)).toBeGreaterThanOrEqual(24);
    expect(fake.rejected).toBe(0);
  });

  it('never exceeds maxRps', async () => {
    const { clock, fake, get } = setup({ limit: 100, refillPerSecond: 100 }, { maxRps: 4 });
    await drive(clock, Promise.all(Array.from({ length: 40 }, (_, i) => get(`/x/${i}`))));
    expect(maxInWindow(fake.calls.map((c) => c.at), 1000)).toBeLessThanOrEqual(4);
  });

  it('lets a polling request jump a backlog of background work', async () => {
    const { clock, fake, get } = setup({ limit: 2, refillPerSecond: 1 }, { concurrency: 4 });
    const backlog = Array.from({ length: 30 }, (_, i) => get(`/organizations/org_1/members?i=${i}`, { priority: 'background' }));
    await clock.advance(1500);
    const poll = get('/jobs/job_1', { priority: 'polling' });
    await drive(clock, poll);
    const pollIndex = fake.calls.findIndex((c) => c.url.pathname.endsWith('/jobs/job_1'));
    // at most the requests already admitted (concurrency) were sent before it
    expect(pollIndex).toBeLessThanOrEqual(6);
    await drive(clock, Promise.all(backlog));
    expect(fake.calls).toHaveLength(31);
  });
});

describe('ApiQueue retries', () => {
  it('on 429 waits until x-ratelimit-reset, reports the wait, then succeeds', async () => {
    const { clock, fake, q, events, get } = setup();
    let first = true;
    fake.handler = (call) => {
      if (!first) return json(200, { ok: true });
      first = false;
      const reset = Math.ceil((call.at + 3000) / 1000);
      return json(429, { statusCode: 429, message: 'Global limit has been reached' }, { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });
    };
    const res = await drive(clock, get('/users/u1'));
    expect(res.status).toBe(200);
    expect(fake.calls).toHaveLength(2);
    const [a, b] = fake.calls;
    const resetAt = Math.ceil((a!.at + 3000) / 1000) * 1000;
    expect(b!.at).toBeGreaterThanOrEqual(resetAt);
    expect(b!.at).toBeLessThanOrEqual(resetAt + 500 + 20);
    expect(events.some((e) => e.type === 'wait' && e.reason === 'rate-limit' && /waiting \d s for rate limit/.test(e.message))).toBe(true);
    expect(q.snapshot().routes['GET /users/{id}']).toMatchObject({ requests: 2, retries: 1, rateLimited: 1 });
  });

  it('backs off exponentially on 5xx, caps the delay, and gives up after maxRetries', async () => {
    const { clock, fake, get } = setup({}, { maxRetries: 4, backoffBaseMs: 100, backoffMaxMs: 300, random: () => 0.999 });
    fake.handler = () => json(503, { statusCode: 503, error: 'Service Unavailable', message: 'try later' });
    const err = await drive(clock, get('/roles/rol_1/users')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManagementApiError);
    expect((err as ManagementApiError).status).toBe(503);
    expect((err as ManagementApiError).message).toContain('GET /roles/{id}/users');
    expect((err as ManagementApiError).message).toContain('try later');
    expect(fake.calls).toHaveLength(5);
    const gaps = fake.calls.slice(1).map((c, i) => c.at - fake.calls[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(99);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(300 + 20);
  });

  it('retries connection resets and timeouts', async () => {
    const { clock, fake, get } = setup({}, { attemptTimeoutMs: 5000, backoffBaseMs: 100 });
    let n = 0;
    fake.handler = async () => {
      n++;
      if (n === 1) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      if (n === 2) return new Promise<Response>(() => undefined); // hangs until the attempt times out
      return json(200, {});
    };
    const res = await drive(clock, get('/clients'));
    expect(res.status).toBe(200);
    expect(n).toBe(3);
  });

  it('fails other 4xx at once with method, route and Auth0 message', async () => {
    const { clock, fake, get } = setup();
    fake.handler = () => json(404, { statusCode: 404, error: 'Not Found', message: 'The role does not exist.', errorCode: 'inexistent_role' });
    const err = (await drive(clock, get('/roles/rol_9')).catch((e: unknown) => e)) as ManagementApiError;
    expect(err).toBeInstanceOf(ManagementApiError);
    expect(err.code).toBe('api');
    expect(err.errorCode).toBe('inexistent_role');
    expect(err.message).toBe('GET /roles/{id} failed with 404: The role does not exist. (inexistent_role)');
    expect(fake.calls).toHaveLength(1);
  });

  it('does not retry 5xx for retry: rate-limit requests', async () => {
    const { clock, fake, q } = setup();
    fake.handler = () => json(502, {});
    const err = await drive(clock, q.execute({ method: 'POST', url: `${URL_BASE}/jobs/users-imports`, retry: 'rate-limit' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManagementApiError);
    expect(fake.calls).toHaveLength(1);
  });
});

describe('ApiQueue cancellation', () => {
  it('abort during a rate-limit wait rejects with CancelledError and sends nothing more', async () => {
    const ctl = new AbortController();
    const { clock, fake, get } = setup({}, { signal: ctl.signal });
    fake.handler = (call) =>
      json(429, {}, { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(call.at / 1000) + 10) });
    const first = get('/users/u1');
    const queued = Array.from({ length: 20 }, (_, i) => get(`/users/u${i + 2}`, { priority: 'background' }));
    const all = [first, ...queued].map((p) => p.catch((e: unknown) => e));
    await clock.advance(1000);
    const sent = fake.calls.length;
    expect(sent).toBeGreaterThanOrEqual(1);
    ctl.abort();
    const errors = await drive(clock, Promise.all(all));
    expect(errors.every((e) => e instanceof CancelledError)).toBe(true);
    await clock.advance(60_000);
    expect(fake.calls).toHaveLength(sent);
  });

  it('abort during a 5xx backoff stops the retries', async () => {
    const ctl = new AbortController();
    const { clock, fake, get } = setup({}, { backoffBaseMs: 5000 });
    fake.handler = () => json(500, {});
    const p = get('/users/u1', { signal: ctl.signal }).catch((e: unknown) => e);
    await clock.advance(100);
    expect(fake.calls).toHaveLength(1);
    ctl.abort();
    expect(await drive(clock, p)).toBeInstanceOf(CancelledError);
    await clock.advance(60_000);
    expect(fake.calls).toHaveLength(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { fake, get } = setup();
    await expect(get('/users/u1', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    expect(fake.calls).toHaveLength(0);
  });
});
