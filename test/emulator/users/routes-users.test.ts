import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleConfig } from './fake-config.js';
import { RouteHarness } from './harness.js';
import { membershipRoutes } from './routes-memberships.js';
import { userRoutes } from './routes-users.js';
import { seedUsers } from './seed.js';
import { createUserStore } from './store.js';
import type { User } from './user-model.js';

const config = sampleConfig();
const store = createUserStore({ memory: true });
let now = Date.UTC(2024, 5, 1);
const h = new RouteHarness([...userRoutes(store, config), ...membershipRoutes(store, config)], config, store, () => now);

beforeAll(() => {
  seedUsers(store, config, { count: 1200, seed: 'routes' });
});
afterAll(() => store.close());

function body<T = Record<string, unknown>>(r: { body?: unknown }): T {
  return r.body as T;
}

describe('GET /users pagination', () => {
  it('returns a bare array of 50 by default and the wrapper with include_totals', async () => {
    const plain = await h.call('GET', '/users');
    expect(plain.status).toBe(200);
    expect(body<User[]>(plain)).toHaveLength(50);
    const wrapped = body(await h.call('GET', '/users', { query: { include_totals: true, page: 2, per_page: 20 } }));
    expect(Object.keys(wrapped)).toEqual(['start', 'limit', 'length', 'users', 'total']);
    expect(wrapped).toMatchObject({ start: 40, limit: 20, length: 20, total: 1200 });
  });

  it('rejects per_page over 100 with Auth0 wording', async () => {
    const r = await h.call('GET', '/users', { query: { per_page: 1000 } });
    expect(r.status).toBe(400);
    expect(body(r)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Query validation error: 'Value 1000 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50).",
      errorCode: 'invalid_query_string',
    });
  });

  it('stops at the first 1,000 records with invalid_paging', async () => {
    expect((await h.call('GET', '/users', { query: { page: 9, per_page: 100 } })).status).toBe(200);
    const r = await h.call('GET', '/users', { query: { page: 10, per_page: 100 } });
    expect(r.status).toBe(400);
    expect(body(r)).toMatchObject({
      message:
        'You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation',
      errorCode: 'invalid_paging',
    });
    expect((await h.call('GET', '/users', { query: { page: 20, per_page: 50 } })).status).toBe(400);
  });

  it('pages without overlap in creation order', async () => {
    const a = body<User[]>(await h.call('GET', '/users', { query: { page: 0, per_page: 30 } }));
    const b = body<User[]>(await h.call('GET', '/users', { query: { page: 1, per_page: 30 } }));
    const ids = new Set([...a, ...b].map((u) => u.user_id));
    expect(ids.size).toBe(60);
  });
});

describe('GET /users search', () => {
  it('finds by email quoted, unquoted and in another case', async () => {
    const target = body<User[]>(await h.call('GET', '/users', { query: { page: 3, per_page: 1 } }))[0]!;
    const email = String(target.email);
    for (const q of [`email:"${email}"`, `email:${email}`, `email:"${email.toUpperCase()}"`]) {
      const found = body<User[]>(await h.call('GET', '/users', { query: { q, search_engine: 'v3' } }));
      expect(found.map((u) => u.user_id)).toEqual([target.user_id]);
    }
    const byId = body<User[]>(await h.call('GET', '/users', { query: { q: `user_id:"${target.user_id}"` } }));
    expect(byId).toHaveLength(1);
  });

  it('filters by connection, wildcard, boolean AND/OR/NOT, and counts totals', async () => {
    const legacy = body(await h.call('GET', '/users', { query: { q: 'identities.connection:"legacy-db"', include_totals: true } }));
    const total = legacy.total as number;
    expect(total).toBeGreaterThan(50);
    expect((legacy.users as User[]).every((u) => u.identities[0]!.connection === 'legacy-db')).toBe(true);
    const notLegacy = body(await h.call('GET', '/users', { query: { q: 'NOT identities.connection:"legacy-db"', include_totals: true } }));
    expect((notLegacy.total as number) + total).toBe(1200);
    const either = body(
      await h.call('GET', '/users', {
        query: { q: 'identities.connection:"legacy-db" OR identities.connection:"disabled-db"', include_totals: true },
      }),
    );
    expect(either.total as number).toBeGreaterThan(total);
    const blocked = body<User[]>(await h.call('GET', '/users', { query: { q: 'blocked:true', per_page: 100 } }));
    expect(blocked.every((u) => u.blocked === true)).toBe(true);
    const prefix = body<User[]>(await h.call('GET', '/users', { query: { q: 'email:ada*', per_page: 100 } }));
    expect(prefix.length).toBeGreaterThan(0);
    expect(prefix.every((u) => String(u.email).startsWith('ada'))).toBe(true);
    const meta = body<User[]>(await h.call('GET', '/users', { query: { q: 'app_metadata.plan:"pro" AND _exists_:phone_number' } }));
    expect(meta.every((u) => (u.app_metadata as { plan: string }).plan === 'pro' && u.phone_number)).toBe(true);
  });

  it('rejects broken queries, legacy engines and bad sort', async () => {
    expect((await h.call('GET', '/users', { query: { q: 'email:"unterminated' } })).status).toBe(400);
    expect(body(await h.call('GET', '/users', { query: { search_engine: 'v1' } })).message).toBe(
      'You are not allowed to use search_engine=v1.',
    );
    expect((await h.call('GET', '/users', { query: { sort: 'created_at' } })).status).toBe(400);
  });

  it('projects fields and sorts', async () => {
    const list = body<Record<string, unknown>[]>(
      await h.call('GET', '/users', { query: { fields: 'user_id,created_at', sort: 'created_at:-1', per_page: 5 } }),
    );
    expect(Object.keys(list[0]!).sort()).toEqual(['created_at', 'user_id']);
    const times = list.map((u) => String(u.created_at));
    expect([...times].sort().reverse()).toEqual(times);
    const excluded = body<Record<string, unknown>[]>(
      await h.call('GET', '/users', { query: { fields: 'identities', include_fields: false, per_page: 1 } }),
    );
    expect(excluded[0]).not.toHaveProperty('identities');
    expect(excluded[0]).toHaveProperty('email');
  });
});

describe('user CRUD', () => {
  it('creates a database user with Auth0 defaults and never returns the password', async () => {
    const r = await h.call('POST', '/users', {
      body: { connection: 'Username-Password-Authentication', email: 'New.Person@Example.com', password: 'S3cret!!', user_metadata: { a: 1 } },
    });
    expect(r.status).toBe(201);
    const u = body<User>(r);
    expect(u.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(u).toMatchObject({
      email: 'new.person@example.com',
      email_verified: false,
      name: 'new.person@example.com',
      nickname: 'new.person',
      identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', isSocial: false }],
      created_at: new Date(now).toISOString(),
    });
    expect(JSON.stringify(u)).not.toContain('S3cret');
    expect(JSON.stringify(body(await h.call('GET', `/users/${encodeURIComponent(u.user_id)}`)))).not.toContain('password');
    const dup = await h.call('POST', '/users', {
      body: { connection: 'Username-Password-Authentication', email: 'new.person@example.com', password: 'x' },
    });
    expect(dup.status).toBe(409);
    expect(body(dup)).toMatchObject({ message: 'The user already exists.' });
  });

  it('validates the create body like Auth0', async () => {
    const noConn = await h.call('POST', '/users', { body: { email: 'a@example.com', password: 'x' } });
    expect(body(noConn).message).toBe("Payload validation error: 'Missing required property: connection'.");
    const extra = await h.call('POST', '/users', { body: { connection: 'x', foo: 1 } });
    expect(body(extra).message).toMatch(/^Payload validation error: 'Additional properties not allowed: foo' \(consider storing/);
    const unknownConn = await h.call('POST', '/users', { body: { connection: 'nope', email: 'a@example.com', password: 'x' } });
    expect(body(unknownConn)).toMatchObject({ statusCode: 400, message: 'The connection does not exist.' });
    const noPassword = await h.call('POST', '/users', { body: { connection: 'legacy-db', email: 'a@example.com' } });
    expect(body(noPassword).message).toBe("Payload validation error: 'Missing required property: password'.");
    const social = await h.call('POST', '/users', { body: { connection: 'google-oauth2', email: 'a@example.com' } });
    expect(body(social).message).toBe('Connection is not supported for this operation.');
    const badEmail = await h.call('POST', '/users', { body: { connection: 'legacy-db', email: 'nope', password: 'x' } });
    expect(badEmail.status).toBe(400);
  });

  it('updates with Auth0 metadata merge and 404s unknown users', async () => {
    const created = body<User>(
      await h.call('POST', '/users', {
        body: { connection: 'legacy-db', email: 'merge@example.com', password: 'x', app_metadata: { a: 1, b: 2 }, given_name: 'G' },
      }),
    );
    now += 1000;
    const id = encodeURIComponent(created.user_id);
    const r = await h.call('PATCH', `/users/${id}`, { body: { app_metadata: { b: null, c: 3 }, given_name: null, blocked: true } });
    expect(r.status).toBe(200);
    expect(body(r)).toMatchObject({ app_metadata: { a: 1, c: 3 }, blocked: true, updated_at: new Date(now).toISOString() });
    expect(body(r)).not.toHaveProperty('given_name');
    const cleared = body(await h.call('PATCH', `/users/${id}`, { body: { app_metadata: {} } }));
    expect(cleared.app_metadata).toEqual({});
    const both = await h.call('PATCH', `/users/${id}`, { body: { password: 'p', email: 'x@example.com' } });
    expect(body(both).message).toBe('Cannot update password and email simultaneously.');
    const missing = await h.call('PATCH', '/users/auth0%7Cnope', { body: { blocked: true } });
    expect(body(missing)).toEqual({ statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' });
  });

  it('deletes users (204 even when absent) and their memberships', async () => {
    const u = body<User>(await h.call('POST', '/users', { body: { connection: 'legacy-db', email: 'del@example.com', password: 'x' } }));
    await h.call('POST', '/roles/rol_0000000000000002/users', { body: { users: [u.user_id] } });
    expect(store.memberships.rolesOfUser(u.user_id)).toEqual(['rol_0000000000000002']);
    expect((await h.call('DELETE', `/users/${encodeURIComponent(u.user_id)}`)).status).toBe(204);
    expect(store.memberships.rolesOfUser(u.user_id)).toEqual([]);
    expect((await h.call('GET', `/users/${encodeURIComponent(u.user_id)}`)).status).toBe(404);
    expect((await h.call('DELETE', '/users/auth0%7Cgone')).status).toBe(204);
  });

  it('finds users by email across connections and deletes a connection user by email', async () => {
    await h.call('POST', '/users', { body: { connection: 'legacy-db', email: 'twin@example.com', password: 'x' } });
    await h.call('POST', '/users', { body: { connection: 'Username-Password-Authentication', email: 'twin@example.com', password: 'x' } });
    expect(body<User[]>(await h.call('GET', '/users-by-email', { query: { email: 'TWIN@example.com' } }))).toHaveLength(2);
    expect((await h.call('GET', '/users-by-email')).status).toBe(400);
    const del = await h.call('DELETE', '/connections/con_BBBBBBBBBBBBBBBB/users', { query: { email: 'twin@example.com' } });
    expect(del.status).toBe(204);
    expect(body<User[]>(await h.call('GET', '/users-by-email', { query: { email: 'twin@example.com' } }))).toHaveLength(1);
    expect((await h.call('DELETE', '/connections/con_GGGGGGGGGGGGGGGG/users', { query: { email: 'x@y.z' } })).status).toBe(400);
    expect((await h.call('DELETE', '/connections/con_ZZZZZZZZZZZZZZZZ/users', { query: { email: 'x@y.z' } })).status).toBe(404);
  });
});
