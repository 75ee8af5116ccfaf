/**
 * Rate limits and fault injection. Time comes from a ManualClock, so bucket refills are exact
 * and nothing sleeps. The 429 body and headers are Auth0's (../shared/research/auth0-api.md §3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { FaultRegistry } from '../emulator/faults.js';
import { parseRateLimit, RateLimiter } from '../emulator/rate-limit.js';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { api, managementToken } from './support.js';

const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
let emu: RunningEmulator;
let token = '';

beforeAll(async () => {
  emu = await startEmulator({ seed: 'empty', clock, rateLimit: 'free' });
  token = await managementToken(emu);
});
afterAll(async () => {
  await emu?.close();
});

const admin = (path: string, body: unknown) => fetch(`${emu.admin}/${path}`, { method: 'POST', body: JSON.stringify(body) });

describe('rate limits', () => {
  it('free: a burst of 2, then 429 with Auth0 body and headers; tokens come back at 2/s', async () => {
    const a = await api(emu, token, 'GET', '/roles');
    const b = await api(emu, token, 'GET', '/roles');
    const c = await api(emu, token, 'GET', '/roles');
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
    expect(c.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached', errorCode: 'too_many_requests' });
    expect(a.headers.get('x-ratelimit-limit')).toBe('2');
    expect(a.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(c.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(c.headers.get('x-ratelimit-reset'));
    expect(reset).toBe(Math.ceil((clock.now() + 500) / 1000));
    await clock.advance(500);
    expect((await api(emu, token, 'GET', '/roles')).status).toBe(200);
    expect((await api(emu, token, 'GET', '/roles')).status).toBe(429);
    expect(emu.stats.snapshot().tooManyRequests).toBe(2);
  });

  it('puts the headers on every answer, 401 and 404 included', async () => {
    await clock.advance(10_000);
    for (const r of [await api(emu, 'bad', 'GET', '/roles'), await api(emu, token, 'GET', '/nowhere')]) {
      expect(r.headers.get('x-ratelimit-limit')).toBe('2');
      expect(r.headers.get('x-ratelimit-reset')).toMatch(/^\d{10}$/);
    }
  });

  it('switches presets through the admin API; essentials has per-minute route buckets', async () => {
    expect((await admin('rate-limit', { preset: 'essentials' })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api(emu, token, 'GET', '/clients')).status);
    // Read Clients: burst 5, 100/min
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // other endpoints have their own bucket (burst 10)
    expect((await api(emu, token, 'GET', '/roles')).status).toBe(200);
    await clock.advance(600);
    expect((await api(emu, token, 'GET', '/clients')).status).toBe(200);
    expect((await admin('rate-limit', { spec: 'nonsense' })).status).toBe(400);
    expect((await admin('rate-limit', { preset: 'off' })).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await api(emu, token, 'GET', '/clients')).status).toBe(200);
  });

  it('parses custom specs and refuses bad ones', () => {
    expect(parseRateLimit('16/1,50').global).toMatchObject({ limit: 16, windowSeconds: 1, burst: 50 });
    expect(parseRateLimit('150/m,10').global).toMatchObject({ limit: 150, windowSeconds: 60, burst: 10 });
    expect(() => parseRateLimit('10 per second')).toThrow(/invalid --rate-limit/);
    const limiter = new RateLimiter(parseRateLimit('enterprise'), () => 0);
    let allowed = 0;
    for (let i = 0; i < 60; i++) if (limiter.take('GET', '/roles').allowed) allowed++;
    expect(allowed).toBe(50);
  });
});

describe('faults', () => {
  it('injects a status a given number of times on one route', async () => {
    expect((await admin('faults', { rules: [{ route: '/roles', method: 'GET', status: 503, count: 1 }] })).status).toBe(200);
    const first = await api(emu, token, 'GET', '/roles');
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect((await api(emu, token, 'GET', '/roles')).status).toBe(200);
    expect((await api(emu, token, 'GET', '/clients')).status).toBe(200);
  });

  it('resets connections', async () => {
    await admin('faults', { rules: [{ route: '/clients', reset: true, count: 1 }] });
    await expect(api(emu, token, 'GET', '/clients')).rejects.toThrow();
    expect((await api(emu, token, 'GET', '/clients')).status).toBe(200);
    await admin('faults', { rules: [] });
  });

  it('repeats the same faults for the same seed (rates and job kinds)', () => {
    const draws = (seed: number) => {
      const f = new FaultRegistry();
      f.configure({ seed, rules: [{ route: '/roles', status: 500, rate: 0.5 }, { kind: 'export-job', rate: 0.3 }] });
      return Array.from({ length: 40 }, (_, i) => (i % 2 ? f.shouldFail('export-job') : f.forRequest('GET', '/roles', '/roles')?.status === 500));
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    expect(draws(7).filter(Boolean).length).toBeGreaterThan(0);
  });
});
