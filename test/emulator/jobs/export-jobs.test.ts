import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { sampleConfig } from '../users/fake-config.js';
import { RouteHarness } from '../users/harness.js';
import { seedUsers } from '../users/seed.js';
import { createUserStore } from '../users/store.js';
import { createJobService } from './job-service.js';
import { jobRoutes } from './routes-jobs.js';
import { download } from './test-helpers.js';

const clock = new ManualClock(Date.UTC(2024, 0, 1));
const config = sampleConfig();
const store = createUserStore({ memory: true });
let failNext = false;
const jobs = createJobService(store, {
  now: () => clock.now(),
  tickIntervalMs: 0,
  tenantName: 'acme-dev',
  shouldFail: () => {
    const f = failNext;
    failNext = false;
    return f;
  },
});
const h = new RouteHarness(jobRoutes(jobs, config), config, store, () => clock.now());
const UPA = 'con_AAAAAAAAAAAAAAAA';
const b = <T = Record<string, unknown>>(r: { body?: unknown }) => r.body as T;

beforeAll(() => {
  seedUsers(store, config, { count: 2500, seed: 'export' });
});
afterAll(() => {
  jobs.close();
  store.close();
});

/** Runs a job to completion on the manual clock and returns its final GET body. */
async function complete(id: string): Promise<Record<string, unknown>> {
  await clock.advance(200);
  jobs.tick();
  await jobs.settle();
  await clock.advance(800);
  return b(await h.call('GET', `/jobs/${id}`));
}

describe('export jobs', () => {
  it('creates a pending job with Auth0 id and shape, then processes and completes', async () => {
    const created = await h.call('POST', '/jobs/users-exports', {
      body: { connection_id: UPA, format: 'json', fields: [{ name: 'email' }, { name: 'identities[0].connection', export_as: 'conn' }] },
    });
    expect(created.status).toBe(200);
    const job = b(created);
    expect(job.id).toMatch(/^job_[A-Za-z0-9]{16}$/);
    expect(job).toMatchObject({ type: 'users_export', status: 'pending', connection_id: UPA, format: 'json', connection: 'Username-Password-Authentication' });
    await clock.advance(300);
    const processing = b(await h.call('GET', `/jobs/${String(job.id)}`));
    expect(processing.status).toBe('processing');
    expect(processing.percentage_done).toBeTypeOf('number');
    expect(processing.time_left_seconds).toBeGreaterThanOrEqual(1);
    await jobs.settle();
    await clock.advance(700);
    const done = b(await h.call('GET', `/jobs/${String(job.id)}`));
    expect(done.status).toBe('completed');
    expect(String(done.location)).toMatch(/^https:\/\/localhost:1\/__files\/exports\/job_\w{16}\/acme-dev\.json\.gz\?expires=\d+&sig=[0-9a-f]{64}$/);
    const file = await download(h, String(done.location));
    const lines = file.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = store.countWhere({ sql: 'connection = ?', params: ['Username-Password-Authentication'] });
    expect(lines).toHaveLength(expected);
    expect(lines[0]).toEqual({ email: expect.any(String), conn: 'Username-Password-Authentication' });
  });

  it('exports every connection when connection_id is absent, honours limit and dotted fields', async () => {
    const all = b(await h.call('POST', '/jobs/users-exports', { body: { format: 'json' } }));
    expect(all).not.toHaveProperty('connection_id');
    const done = await complete(String(all.id));
    const text = (await download(h, String(done.location))).text;
    expect(text.trim().split('\n')).toHaveLength(store.count());
    expect(JSON.parse(text.split('\n')[0]!)).toHaveProperty('identities');

    const limited = b(
      await h.call('POST', '/jobs/users-exports', {
        body: { limit: 7, fields: [{ name: 'user_id' }, { name: 'user_metadata.locale' }, { name: 'app_metadata' }] },
      }),
    );
    const rows = (await download(h, String((await complete(String(limited.id))).location))).text.trim().split('\n');
    expect(rows).toHaveLength(7);
    const row = JSON.parse(rows[0]!) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(['user_id', 'user_metadata.locale', 'app_metadata']);
    expect(row.app_metadata).toHaveProperty('plan');
  });

  it('writes CSV with Auth0 escaping', async () => {
    const job = b(
      await h.call('POST', '/jobs/users-exports', {
        body: { format: 'csv', limit: 3, fields: [{ name: 'user_id', export_as: 'id' }, { name: 'email' }, { name: 'created_at' }, { name: 'logins_count' }] },
      }),
    );
    const done = await complete(String(job.id));
    expect(String(done.location)).toContain('/acme-dev.csv.gz?');
    const [header, first] = (await download(h, String(done.location))).text.split('\n');
    expect(header).toBe('id,email,created_at,logins_count');
    expect(first).toMatch(/^"'auth0\|[0-9a-f]{24}","'[^"]+@[^"]+",\d{4}-\d\d-\d\dT[\d:.]+Z,\d*$/);
  });

  it('link stops working after 60 s; a new GET gives a fresh link; forged links are refused', async () => {
    const job = b(await h.call('POST', '/jobs/users-exports', { body: { limit: 2 } }));
    const first = String((await complete(String(job.id))).location);
    expect((await download(h, first)).status).toBe(200);
    await clock.advance(60_000);
    const expired = await download(h, first);
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('<Code>AccessDenied</Code>');
    const fresh = String(b(await h.call('GET', `/jobs/${String(job.id)}`)).location);
    expect(fresh).not.toBe(first);
    expect((await download(h, fresh)).status).toBe(200);
    const forged = fresh.replace(/sig=[0-9a-f]{4}/, 'sig=0000');
    expect((await download(h, forged)).status).toBe(403);
  });

  it('forgets jobs after 24 h', async () => {
    const job = b(await h.call('POST', '/jobs/users-exports', { body: { limit: 1 } }));
    const location = String((await complete(String(job.id))).location);
    await clock.advance(86_400_000);
    const gone = await h.call('GET', `/jobs/${String(job.id)}`);
    expect(b(gone)).toEqual({ statusCode: 404, error: 'Not Found', message: 'The job does not exist.' });
    expect((await download(h, location)).status).toBe(404);
  });

  it('validates the request like the document', async () => {
    const extra = await h.call('POST', '/jobs/users-exports', { body: { format: 'json', foo: 1 } });
    expect(b(extra)).toMatchObject({ statusCode: 400, message: "Payload validation error: 'Additional properties not allowed: foo'.", errorCode: 'invalid_body' });
    expect((await h.call('POST', '/jobs/users-exports', { body: { format: 'xml' } })).status).toBe(400);
    expect((await h.call('POST', '/jobs/users-exports', { body: { fields: [{ name: 'a', label: 'b' }] } })).status).toBe(400);
    expect(b(await h.call('POST', '/jobs/users-exports', { body: { connection_id: 'con_x' } })).message).toBe(
      "Payload validation error: 'String does not match pattern ^con_[A-Za-z0-9]{16}$' on property connection_id (connection_id of the connection from which users will be exported.).",
    );
    expect(b(await h.call('POST', '/jobs/users-exports', { body: { connection_id: 'con_ZZZZZZZZZZZZZZZZ' } })).message).toBe(
      'The connection does not exist.',
    );
  });

  it('marks a job failed when a failure is injected', async () => {
    failNext = true;
    const job = b(await h.call('POST', '/jobs/users-exports', { body: { limit: 1 } }));
    const done = await complete(String(job.id));
    expect(done.status).toBe('failed');
    expect(done).not.toHaveProperty('location');
    const errors = await h.call('GET', `/jobs/${String(job.id)}/errors`);
    expect(b(errors)).toMatchObject({ id: job.id, type: 'users_export', status: 'failed', status_details: expect.any(String) });
  });
});
