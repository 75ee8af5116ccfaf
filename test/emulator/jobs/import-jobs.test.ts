import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { sampleConfig } from '../users/fake-config.js';
import { RouteHarness } from '../users/harness.js';
import { createUserStore } from '../users/store.js';
import { createJobService, type JobService } from './job-service.js';
import { jobRoutes } from './routes-jobs.js';
import { postImport, type ImportParts } from './test-helpers.js';

const UPA = 'con_AAAAAAAAAAAAAAAA';
const BCRYPT = '$2b$10$' + 'a'.repeat(53);
const b = <T = Record<string, unknown>>(r: { body?: unknown }) => r.body as T;

const clock = new ManualClock(Date.UTC(2024, 0, 1));
const config = sampleConfig();
const store = createUserStore({ memory: true });
let jobs: JobService;
let h: RouteHarness;

function setup(rate: number): void {
  jobs?.close();
  store.clear();
  jobs = createJobService(store, { now: () => clock.now(), tickIntervalMs: 0, importUsersPerSecond: rate });
  h = new RouteHarness(jobRoutes(jobs, config), config, store, () => clock.now());
}

beforeEach(() => setup(Number.POSITIVE_INFINITY));
afterAll(() => {
  jobs.close();
  store.close();
});

async function runImport(parts: ImportParts): Promise<{ job: Record<string, unknown>; errors: { status: number; body?: unknown } }> {
  const created = await postImport(h, { connection_id: UPA, ...parts });
  expect(created.status).toBe(202);
  const id = String(b(created).id);
  await clock.advance(1);
  const job = b(await h.call('GET', `/jobs/${id}`));
  return { job, errors: await h.call('GET', `/jobs/${id}/errors`) };
}

describe('import jobs: happy path', () => {
  it('answers 202 pending, then completes with a summary and Auth0 user shapes', async () => {
    const created = await postImport(h, { connection_id: UPA, users: [{ email: 'A@Example.com', user_id: 'abc123' }], external_id: 'batch-1' });
    expect(created.status).toBe(202);
    expect(b(created)).toMatchObject({ type: 'users_import', status: 'pending', connection_id: UPA, connection: 'Username-Password-Authentication', external_id: 'batch-1' });
    expect(String(b(created).id)).toMatch(/^job_[A-Za-z0-9]{16}$/);
    const { job, errors } = await runImport({
      users: [
        { email: 'b@example.com', email_verified: true, password_hash: BCRYPT, app_metadata: { plan: 'pro' } },
        { email: 'c@example.com', user_id: 'auth0|prefixed' },
      ],
    });
    expect(job).toMatchObject({ status: 'completed', summary: { failed: 0, updated: 0, inserted: 2, total: 2 } });
    expect(errors.status).toBe(204);
    expect(store.get('auth0|abc123')).toMatchObject({ email: 'a@example.com', email_verified: false });
    expect(store.get('auth0|auth0|prefixed')?.identities[0]).toMatchObject({ user_id: 'auth0|prefixed', provider: 'auth0' });
    const imported = store.byEmail('b@example.com')[0]!;
    expect(imported).toMatchObject({ email_verified: true, app_metadata: { plan: 'pro' } });
    expect(JSON.stringify(imported)).not.toContain(BCRYPT);
    expect(store.getSecret(imported.user_id)).toEqual({ password_hash_imported: true });
  });

  it('upserts on email: replaces metadata wholesale, ignores non-upsertable fields', async () => {
    await runImport({ users: [{ email: 'u@example.com', app_metadata: { a: 1, b: 2 }, given_name: 'Old', blocked: false }] });
    const { job } = await runImport({
      upsert: true,
      users: [{ email: 'u@example.com', app_metadata: { c: 3 }, given_name: 'New', blocked: true }, { email: 'v@example.com' }],
    });
    expect(job.summary).toEqual({ failed: 0, updated: 1, inserted: 1, total: 2 });
    expect(store.byEmail('u@example.com')[0]).toMatchObject({ app_metadata: { c: 3 }, given_name: 'New', blocked: false });
    const again = await runImport({ users: [{ email: 'u@example.com' }] });
    expect(again.job.summary).toEqual({ failed: 1, updated: 0, inserted: 0, total: 1 });
    expect(again.errors.body).toEqual([
      { user: { email: 'u@example.com' }, errors: [{ code: 'DUPLICATED_USER', message: 'The user already exist and upsert parameter is false' }] },
    ]);
  });
});

describe('import jobs: per-user validation', () => {
  it('reports each failing record with Auth0 codes and redacts secrets', async () => {
    const users = [
      { email: 'not-an-email' },
      { name: 'no email' },
      { email: 'x1@example.com', favourite: 'extra' },
      { email: 'x2@example.com', phone_number: '555' },
      { email: 'x3@example.com', app_metadata: { email: 'x' } },
      { email: 'x4@example.com', user_metadata: { 'a.b': 1 } },
      { email: 'x5@example.com', mfa_factors: [{ totp: { secret: 'lowercase' } }] },
      { email: 'x6@example.com', blocked: 'yes' },
      { email: 'x7@example.com', password_hash: BCRYPT, custom_password_hash: { algorithm: 'md5', hash: { value: 'secret-hash' } } },
      { email: 'x8@example.com', custom_password_hash: { algorithm: 'rot13', hash: { value: 'h' } } },
      { email: 'ok@example.com' },
      { email: 'OK@example.com' },
    ];
    const { job, errors } = await runImport({ users });
    expect(job.summary).toEqual({ failed: 11, updated: 0, inserted: 1, total: 12 });
    expect(errors.status).toBe(200);
    const list = errors.body as { user: Record<string, unknown>; errors: { code: string; message: string; path?: string }[] }[];
    const codes = list.map((e) => e.errors.map((x) => x.code).join('+'));
    expect(codes).toEqual([
      'FORMAT',
      'OBJECT_REQUIRED',
      'OBJECT_ADDITIONAL_PROPERTIES',
      'PATTERN',
      'NOT_PASSED',
      'PATTERN',
      'ANY_OF_MISSING',
      'INVALID_TYPE',
      'NOT_PASSED',
      'ENUM_MISMATCH',
      'DUPLICATED_USER',
    ]);
    expect(list[0]!.errors[0]).toEqual({ code: 'FORMAT', message: "Object didn't pass validation for format email: not-an-email", path: 'email' });
    expect(list[1]!.errors[0]).toMatchObject({ message: 'Missing required property: email' });
    expect(list[7]!.errors[0]).toEqual({ code: 'INVALID_TYPE', message: 'Expected type boolean but found type string', path: 'blocked' });
    expect(list[8]!.user).toMatchObject({ password_hash: '*****', custom_password_hash: { hash: { value: '*****' } } });
    expect(list[10]!.errors[0]!.message).toBe('A user with this email was already provided.');
    expect(JSON.stringify(list)).not.toContain('secret-hash');
  });

  it('fails the job (not the users) for a file that is not a JSON array', async () => {
    for (const usersText of ['{not json', '{"email":"a@example.com"}']) {
      const { job, errors } = await runImport({ usersText });
      expect(job.status).toBe('failed');
      expect(job).not.toHaveProperty('summary');
      expect(b(errors)).toMatchObject({ type: 'users_import', status: 'failed', status_details: expect.any(String) });
    }
  });
});

describe('import jobs: request checks', () => {
  it('rejects bad parts with Auth0 messages', async () => {
    const msg = async (parts: ImportParts) => b(await postImport(h, parts)).message;
    expect(await msg({ connection_id: UPA })).toBe("Must provide 'users' file as multipart part.");
    expect(await msg({ users: [{ email: 'a@example.com' }] })).toBe("Must provide 'connection_id' as multipart part.");
    expect(await msg({ users: [], connection_id: 'con_123' })).toBe(
      "Payload validation error: 'String does not match pattern ^con_[A-Za-z0-9]{16}$' on property connection_id.",
    );
    expect(await msg({ users: [{}], connection_id: 'con_ZZZZZZZZZZZZZZZZ' })).toBe('The connection does not exist.');
    expect(await msg({ users: [{}], connection_id: 'con_GGGGGGGGGGGGGGGG' })).toBe('Connection must be a database connection.');
    expect(await msg({ users: [{}], connection_id: 'con_DDDDDDDDDDDDDDDD' })).toBe('Connection must be enabled.');
    expect(await msg({ usersText: '', connection_id: UPA })).toBe('Users file must not be empty.');
    const notMultipart = await h.call('POST', '/jobs/users-imports', { headers: { 'content-type': 'application/json' }, raw: (await import('node:stream')).Readable.from([]) as never });
    expect(b(notMultipart).statusCode).toBe(400);
  });

  it('refuses payloads over 512,000 bytes with 413, by header and while streaming', async () => {
    const big = Array.from({ length: 6000 }, (_, i) => ({ email: `user${i}@example.com`, name: 'x'.repeat(60) }));
    for (const chunked of [false, true]) {
      const r = await postImport(h, { connection_id: UPA, users: big }, { chunked });
      expect(r.status).toBe(413);
      expect(b(r)).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'Payload content length greater than maximum allowed: 512000.' });
    }
    expect(jobs.stats().importsCreated).toBe(0);
  });

  it('allows two concurrent imports; the third gets 429 until one finishes', async () => {
    setup(1); // one user per second per job
    const users = [{ email: 'p1@example.com' }, { email: 'p2@example.com' }, { email: 'p3@example.com' }];
    const first = await postImport(h, { connection_id: UPA, users });
    const second = await postImport(h, { connection_id: UPA, users: users.map((u) => ({ email: `2${u.email}` })) });
    expect([first.status, second.status]).toEqual([202, 202]);
    const third = await postImport(h, { connection_id: UPA, users: [{ email: 'late@example.com' }] });
    expect(third.status).toBe(429);
    expect(b(third)).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'There are 2 active import users jobs, please wait until some of them are finished and try again',
    });
    await clock.advance(1000);
    jobs.tick();
    expect(b(await h.call('GET', `/jobs/${String(b(first).id)}`)).status).toBe('processing');
    expect(store.count()).toBe(2); // one user per job so far
    await clock.advance(2000);
    expect(b(await h.call('GET', `/jobs/${String(b(first).id)}`)).status).toBe('completed');
    expect((await postImport(h, { connection_id: UPA, users: [{ email: 'late@example.com' }] })).status).toBe(202);
    expect(jobs.stats()).toMatchObject({ peakConcurrentImports: 2, importsCreated: 3 });
  });

  it('reports concurrency to the server gauge and fails jobs on injected faults', async () => {
    const events: string[] = [];
    const gauge = { importJobStarted: () => events.push('start'), importJobFinished: () => events.push('end') };
    const faults = { shouldFail: (kind: string) => kind === 'import-job' };
    const hf = new RouteHarness(jobRoutes(jobs, config), config, store, () => clock.now(), { jobs: gauge, faults } as never);
    const created = await postImport(hf, { connection_id: UPA, users: [{ email: 'f@example.com' }] });
    await clock.advance(1);
    expect(b(await h.call('GET', `/jobs/${String(b(created).id)}`)).status).toBe('failed');
    expect(events).toEqual(['start', 'end']);
  });

  it('404s unknown jobs', async () => {
    expect(b(await h.call('GET', '/jobs/job_0000000000000000'))).toEqual({ statusCode: 404, error: 'Not Found', message: 'The job does not exist.' });
    expect((await h.call('GET', '/jobs/job_0000000000000000/errors')).status).toBe(404);
  });
});
