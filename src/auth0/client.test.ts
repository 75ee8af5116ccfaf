import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { CancelledError } from '../core/errors.js';
import { ManagementApi } from './client.js';
import { normalizeDomain, toCredentials } from './credentials.js';
import { ManagementApiError, PaginationLimitError, TokenError } from './errors.js';
import { createUsersImport, getJob, getJobErrors } from './jobs.js';
import { addOrganizationMembers, listOrganizationMembers } from './organizations.js';
import { assignRoleUsers, listRoles, listRoleUsers } from './roles.js';
import { drive, FakeApi, json, type FakeCall } from './test-support/fake-api.js';
import { getUser } from './users.js';

function setup(handler?: (c: FakeCall) => Response | Promise<Response>) {
  const clock = new ManualClock();
  const fake = new FakeApi(clock, { handler });
  const api = new ManagementApi({
    credentials: toCredentials({ domain: 'tenant.example.com', clientId: 'cid', clientSecret: 'shh' }),
    fetch: fake.fetch,
    clock,
    queue: { random: () => 0.5 },
  });
  return { clock, fake, api };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('ManagementApi through the SDK', () => {
  it('sends SDK calls through the queue with the real token and strips private headers', async () => {
    const { clock, fake, api } = setup(() => json(200, {}));
    await drive(clock, assignRoleUsers(api, 'rol_1', ['auth0|a', 'auth0|b']));
    expect(fake.calls).toHaveLength(1);
    const call = fake.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.url.pathname).toBe('/api/v2/roles/rol_1/users');
    expect(call.headers.get('authorization')).toBe('Bearer tok-1');
    expect(call.headers.get('x-a0vault-priority')).toBeNull();
    expect(JSON.parse(String(call.body))).toEqual({ users: ['auth0|a', 'auth0|b'] });
    const token = fake.tokenCalls[0]!;
    const form = new URLSearchParams(String(token.body));
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'shh', audience: 'https://tenant.example.com/api/v2/' });
    expect(api.queue.snapshot().routes['POST /roles/{id}/users']?.requests).toBe(1);
  });

  it('refreshes the token exactly once on 401 Invalid token', async () => {
    const { clock, fake, api } = setup((c) =>
      c.headers.get('authorization') === 'Bearer tok-1' ? json(401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' }) : json(200, { user_id: 'auth0|a' }),
    );
    const user = await drive(clock, getUser(api, 'auth0|a'));
    expect(user?.user_id).toBe('auth0|a');
    expect(fake.tokenCalls).toHaveLength(2);
    expect(fake.calls).toHaveLength(2);
  });

  it('gives up after one refresh when the new token is refused too', async () => {
    const { clock, fake, api } = setup(() => json(401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' }));
    const err = (await drive(clock, getUser(api, 'auth0|a')).catch((e: unknown) => e)) as ManagementApiError;
    expect(err).toBeInstanceOf(ManagementApiError);
    expect(err.code).toBe('auth');
    expect(fake.tokenCalls).toHaveLength(2);
    expect(fake.calls).toHaveLength(2);
  });

  it('maps token endpoint refusals to TokenError without the secret', async () => {
    const { clock, fake, api } = setup();
    fake.tokenHandler = () => json(401, { error: 'access_denied', error_description: 'Unauthorized' });
    const err = (await drive(clock, getUser(api, 'auth0|a')).catch((e: unknown) => e)) as TokenError;
    expect(err).toBeInstanceOf(TokenError);
    expect(err.oauthError).toBe('access_denied');
    expect(err.message).toContain('access_denied: Unauthorized');
    expect(fake.calls).toHaveLength(0);
  });

  it('returns typed errors from SDK calls and undefined for a missing user', async () => {
    const { clock, api } = setup((c) =>
      c.url.pathname.includes('/users/')
        ? json(404, { statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' })
        : json(400, { statusCode: 400, error: 'Bad Request', message: 'Payload validation error', errorCode: 'invalid_body' }),
    );
    expect(await drive(clock, getUser(api, 'auth0|missing'))).toBeUndefined();
    const err = (await drive(clock, assignRoleUsers(api, 'rol_1', ['x']))).failed[0]?.error as ManagementApiError;
    expect(err).toBeInstanceOf(ManagementApiError);
    expect(err.message).toBe('POST /roles/{id}/users failed with 400: Payload validation error (invalid_body)');
  });

  it('maps a 403 insufficient_scope to code missing-scopes', async () => {
    const { clock, api } = setup(() => json(403, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:roles', errorCode: 'insufficient_scope' }));
    const err = (await drive(clock, getJob(api, 'job_1')).catch((e: unknown) => e)) as ManagementApiError;
    expect(err.code).toBe('missing-scopes');
    expect(err.message).toContain('expected any of: read:roles');
  });

  it('turns an abort into CancelledError through the SDK', async () => {
    const { clock, api } = setup(() => new Promise<Response>(() => undefined));
    const ctl = new AbortController();
    const p = getJob(api, 'job_1', { signal: ctl.signal }).catch((e: unknown) => e);
    await clock.advance(50);
    ctl.abort();
    expect(await drive(clock, p)).toBeInstanceOf(CancelledError);
  });
});

describe('raw calls and signals', () => {
  it('request() sends JSON through the queue and parses the answer', async () => {
    const { clock, fake, api } = setup((c) => json(200, { got: c.url.searchParams.get('q'), body: JSON.parse(String(c.body)) }));
    const res = await drive(clock, api.request<{ got: string; body: unknown }>({ method: 'POST', path: '/users-by-email', query: { q: 'a b', skip: undefined }, body: { x: 1 } }));
    expect(res).toEqual({ got: 'a b', body: { x: 1 } });
    expect(fake.calls[0]!.url.search).toBe('?q=a+b');
    expect(fake.calls[0]!.headers.get('authorization')).toBe('Bearer tok-1');
    expect(api.queue.snapshot().routes['POST /users-by-email']?.requests).toBe(1);
  });

  it('leaves no abort listeners on a long-lived signal after SDK calls', async () => {
    const { clock, api } = setup(() => json(200, { id: 'job_1', status: 'pending', type: 'users_export' }));
    const ctl = new AbortController();
    await drive(clock, Promise.all(Array.from({ length: 30 }, () => getJob(api, 'job_1', { signal: ctl.signal }))));
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  });

  it('accepts host[:port] domains only', () => {
    expect(normalizeDomain('localhost:8443')).toBe('localhost:8443');
    expect(normalizeDomain('tenant.eu.auth0.com/')).toBe('tenant.eu.auth0.com');
    expect(() => normalizeDomain('https://tenant.eu.auth0.com')).toThrow(/Invalid Auth0 domain/);
    expect(() => toCredentials({ domain: 't.example.com', accessToken: '' })).toThrow(/empty/);
  });
});

describe('pagination', () => {
  it('follows checkpoint `next` cursors until absent', async () => {
    const pages: Record<string, { users: { user_id: string }[]; next?: string }> = {
      '': { users: [{ user_id: 'u1' }, { user_id: 'u2' }], next: 'c1' },
      c1: { users: [{ user_id: 'u3' }], next: 'c2' },
      c2: { users: [{ user_id: 'u4' }] },
    };
    const { clock, fake, api } = setup((c) => json(200, pages[c.url.searchParams.get('from') ?? '']));
    const users = await drive(clock, collect(listRoleUsers(api, 'rol_1')));
    expect(users.map((u) => u.user_id)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(fake.calls.map((c) => c.url.searchParams.get('from'))).toEqual([null, 'c1', 'c2']);
    expect(fake.calls[0]!.url.searchParams.get('take')).toBe('100');
  });

  it('fails a checkpoint cursor that repeats instead of looping', async () => {
    const { clock, api } = setup(() => json(200, { members: [{ user_id: 'u1' }], next: 'same' }));
    const err = await drive(clock, collect(listOrganizationMembers(api, 'org_1'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManagementApiError);
  });

  it('reads offset pages of 100 with include_totals', async () => {
    const roles = Array.from({ length: 230 }, (_, i) => ({ id: `rol_${i}`, name: `r${i}` }));
    const { clock, fake, api } = setup((c) => {
      const page = Number(c.url.searchParams.get('page'));
      return json(200, { roles: roles.slice(page * 100, page * 100 + 100), start: page * 100, limit: 100, total: roles.length });
    });
    const got = await drive(clock, collect(listRoles(api)));
    expect(got).toHaveLength(230);
    expect(fake.calls.map((c) => [c.url.searchParams.get('page'), c.url.searchParams.get('per_page'), c.url.searchParams.get('include_totals')])).toEqual([
      ['0', '100', 'true'],
      ['1', '100', 'true'],
      ['2', '100', 'true'],
    ]);
  });

  it('throws PaginationLimitError, not a truncated list, beyond 1,000 offset results', async () => {
    const { clock, fake, api } = setup((c) => {
      const page = Number(c.url.searchParams.get('page'));
      return json(200, { roles: Array.from({ length: 100 }, (_, i) => ({ id: `r${page}-${i}` })), start: page * 100, limit: 100, total: 1500 });
    });
    const err = await drive(clock, collect(listRoles(api))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaginationLimitError);
    expect((err as Error).message).toContain('1500');
    expect(fake.calls).toHaveLength(1);
  });

  it('throws PaginationLimitError when no total is given and pages reach 1,000', async () => {
    const { clock, fake, api } = setup((c) => {
      const page = Number(c.url.searchParams.get('page'));
      return json(200, { roles: Array.from({ length: 100 }, (_, i) => ({ id: `r${page}-${i}` })) });
    });
    const seen: unknown[] = [];
    const err = await drive(
      clock,
      (async () => {
        for await (const r of listRoles(api)) seen.push(r);
      })(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaginationLimitError);
    expect(seen).toHaveLength(1000);
    expect(fake.calls).toHaveLength(10);
  });
});

describe('resource calls', () => {
  it('adds organization members 10 per call and reports failed batches', async () => {
    let n = 0;
    const { clock, fake, api } = setup(() => (++n === 2 ? json(400, { statusCode: 400, message: 'bad member' }) : json(204, null)));
    const ids = Array.from({ length: 25 }, (_, i) => `auth0|${i}`);
    const result = await drive(clock, addOrganizationMembers(api, 'org_1', ids));
    const sizes = fake.calls.map((c) => (JSON.parse(String(c.body)) as { members: string[] }).members.length);
    expect(sizes.sort()).toEqual([10, 10, 5].sort());
    expect(result.done).toBe(25 - result.failed[0]!.items.length);
    expect(result.failed).toHaveLength(1);
  });

  it('creates an import job as multipart without completion email, and does not retry a 5xx', async () => {
    const { clock, fake, api } = setup(() => json(503, { statusCode: 503, message: 'unavailable' }));
    const err = await drive(clock, createUsersImport(api, { users: Buffer.from('[{"email":"a@example.com"}]'), connectionId: 'con_1234567890abcdef', externalId: 'ext-1' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ManagementApiError);
    expect(fake.calls).toHaveLength(1);
    const form = fake.calls[0]!.body as FormData;
    expect(form.get('connection_id')).toBe('con_1234567890abcdef');
    expect(form.get('send_completion_email')).toBe('false');
    expect(form.get('upsert')).toBe('false');
    expect(form.get('external_id')).toBe('ext-1');
    expect(await (form.get('users') as Blob).text()).toBe('[{"email":"a@example.com"}]');
  });

  it('fails at once on the "2 active import jobs" 429 instead of waiting on the bucket', async () => {
    const { clock, fake, api } = setup(() =>
      json(429, { statusCode: 429, error: 'Too Many Requests', message: 'There are 2 active import users jobs, please wait until some of them are finished and try again' }),
    );
    const err = (await drive(clock, createUsersImport(api, { users: Buffer.from('[]'), connectionId: 'con_1234567890abcdef' })).catch((e: unknown) => e)) as ManagementApiError;
    expect(err.status).toBe(429);
    expect(err.message).toContain('2 active import users jobs');
    expect(fake.calls).toHaveLength(1);
  });

  it('reads job errors: 200 array, 204 empty', async () => {
    const { clock, fake, api } = setup(() => json(204, null));
    expect(await drive(clock, getJobErrors(api, 'job_1'))).toEqual([]);
    fake.handler = () => json(200, [{ user: { email: 'a@example.com' }, errors: [{ code: 'DUPLICATED_USER', message: 'exists' }] }]);
    const errs = await drive(clock, getJobErrors(api, 'job_1'));
    expect(errs[0]?.errors?.[0]?.code).toBe('DUPLICATED_USER');
  });
});
