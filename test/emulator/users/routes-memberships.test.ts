import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeConfigStore, sampleConfig } from './fake-config.js';
import { RouteHarness } from './harness.js';
import { membershipRoutes } from './routes-memberships.js';
import { userRoutes } from './routes-users.js';
import { seedUsers } from './seed.js';
import { createUserStore } from './store.js';
import type { User } from './user-model.js';

const config: FakeConfigStore = sampleConfig();
for (let i = 10; i < 70; i++) config.add('roles', { id: `rol_00000000000000${i}`, name: `r${i}` });
const store = createUserStore({ memory: true });
const h = new RouteHarness([...userRoutes(store, config), ...membershipRoutes(store, config)], config, store, () => 0);
let ids: string[] = [];

beforeAll(() => {
  // no seeded memberships so counts below are exact
  seedUsers(store, config, { count: 1300, seed: 'm', roleRate: 0, orgRate: 0 });
  ids = store.search({ sql: '1', params: [] }, 'seq', 1300, 0).map((u) => u.user_id);
});
afterAll(() => store.close());

const b = <T = Record<string, unknown>>(r: { body?: unknown }) => r.body as T;
const ROLE = 'rol_0000000000000003';
const ORG = 'org_0000000000000002';

describe('role users', () => {
  it('assigns with 200 {} and pages by checkpoint until next disappears', async () => {
    for (let i = 0; i < 1100; i += 100) {
      const r = await h.call('POST', `/roles/${ROLE}/users`, { body: { users: ids.slice(i, i + 100) } });
      expect(r).toEqual({ status: 200, body: {} });
    }
    const seen: string[] = [];
    let from: string | undefined;
    let pages = 0;
    for (;;) {
      const r = b(await h.call('GET', `/roles/${ROLE}/users`, { query: { take: 100, include_totals: true, ...(from ? { from } : {}) } }));
      expect(Object.keys(r).filter((k) => k !== 'next')).toEqual(['users']);
      seen.push(...(r.users as { user_id: string }[]).map((u) => u.user_id));
      pages++;
      if (r.next === undefined) break;
      from = String(r.next);
    }
    expect(pages).toBe(11);
    expect(new Set(seen).size).toBe(1100);
    expect([...seen].sort()).toEqual(ids.slice(0, 1100).sort());
  });

  it('offset mode has totals, member shape and the 1,000-record cap', async () => {
    const r = b(await h.call('GET', `/roles/${ROLE}/users`, { query: { include_totals: true, per_page: 3 } }));
    expect(r).toMatchObject({ start: 0, limit: 3, total: 1100 });
    expect(Object.keys((r.users as object[])[0]!).sort()).toEqual(['email', 'name', 'picture', 'user_id']);
    const capped = await h.call('GET', `/roles/${ROLE}/users`, { query: { page: 20, per_page: 50 } });
    expect(b(capped)).toMatchObject({ statusCode: 400, errorCode: 'invalid_paging' });
  });

  it('404s unknown roles and unknown users', async () => {
    expect(b(await h.call('GET', '/roles/rol_nope/users'))).toEqual({ statusCode: 404, error: 'Not Found', message: 'The role does not exist.' });
    expect((await h.call('POST', '/roles/rol_nope/users', { body: { users: [ids[0]] } })).status).toBe(404);
    expect((await h.call('POST', `/roles/${ROLE}/users`, { body: { users: ['auth0|missing'] } })).status).toBe(404);
    expect((await h.call('POST', `/roles/${ROLE}/users`, { body: { users: 'x' } })).status).toBe(400);
  });
});

describe('user roles and organizations', () => {
  it('assigns, lists and removes roles of a user', async () => {
    const user = encodeURIComponent(ids[1200]!);
    expect((await h.call('POST', `/users/${user}/roles`, { body: { roles: ['rol_0000000000000001', 'rol_0000000000000002'] } })).status).toBe(204);
    const list = b(await h.call('GET', `/users/${user}/roles`, { query: { include_totals: true } }));
    expect(list).toEqual({
      start: 0,
      limit: 50,
      roles: [
        { id: 'rol_0000000000000001', name: 'admin', description: 'Administrators' },
        { id: 'rol_0000000000000002', name: 'editor', description: 'Editors' },
      ],
      total: 2,
    });
    expect((await h.call('DELETE', `/users/${user}/roles`, { body: { roles: ['rol_0000000000000001'] } })).status).toBe(204);
    expect(b<unknown[]>(await h.call('GET', `/users/${user}/roles`))).toHaveLength(1);
    expect(b(await h.call('POST', `/users/${user}/roles`, { body: { roles: [] } })).message).toBe(
      "Payload validation error: 'Array is too short (0), minimum 1' on property roles (List of roles IDs to associated with the user.).",
    );
    expect((await h.call('GET', '/users/auth0%7Cnope/roles')).status).toBe(404);
  });
});

describe('organization members', () => {
  it('adds at most 10 members per call and lists them both ways', async () => {
    const eleven = ids.slice(0, 11);
    const tooMany = await h.call('POST', `/organizations/${ORG}/members`, { body: { members: eleven } });
    expect(tooMany.status).toBe(400);
    expect(b(tooMany).message).toContain("'Array is too long (11), maximum 10' on property members");
    for (let i = 0; i < 30; i += 10) {
      expect((await h.call('POST', `/organizations/${ORG}/members`, { body: { members: ids.slice(i, i + 10) } })).status).toBe(204);
    }
    const page = b(await h.call('GET', `/organizations/${ORG}/members`, { query: { include_totals: true, per_page: 10, page: 2 } }));
    expect(page).toMatchObject({ start: 20, limit: 10, total: 30 });
    const cp1 = b(await h.call('GET', `/organizations/${ORG}/members`, { query: { take: 20 } }));
    expect((cp1.members as unknown[]).length).toBe(20);
    const cp2 = b(await h.call('GET', `/organizations/${ORG}/members`, { query: { take: 20, from: String(cp1.next) } }));
    expect((cp2.members as unknown[]).length).toBe(10);
    expect(cp2).not.toHaveProperty('next');
    const orgs = b<{ id: string }[]>(await h.call('GET', `/users/${encodeURIComponent(ids[0]!)}/organizations`));
    expect(orgs.map((o) => o.id)).toEqual([ORG]);
    expect((await h.call('GET', '/organizations/org_nope/members')).status).toBe(404);
  });

  it('caps member roles at 50 with 409 and requires membership', async () => {
    const member = encodeURIComponent(ids[0]!);
    const roles = config.list('roles').map((r) => String(r.id));
    expect(roles.length).toBeGreaterThan(50);
    const path = `/organizations/${ORG}/members/${member}/roles`;
    expect((await h.call('POST', path, { body: { roles: roles.slice(0, 50) } })).status).toBe(204);
    const over = await h.call('POST', path, { body: { roles: [roles[50]] } });
    expect(b(over)).toEqual({ statusCode: 409, error: 'Conflict', message: 'No more roles can be assigned to this organization member.' });
    // re-adding an existing role is not "more"
    expect((await h.call('POST', path, { body: { roles: [roles[0]] } })).status).toBe(204);
    const listed = b(await h.call('GET', path, { query: { include_totals: true, per_page: 100 } }));
    expect(listed.total).toBe(50);
    const outsider = encodeURIComponent(ids[500]!);
    expect((await h.call('POST', `/organizations/${ORG}/members/${outsider}/roles`, { body: { roles: [roles[0]] } })).status).toBe(400);
    expect((await h.call('POST', path, { body: { roles: ['rol_missing'] } })).status).toBe(404);
  });

  it('returns member roles with fields=roles only with the member-roles scope', async () => {
    const q = { fields: 'user_id,roles', take: 1 };
    const denied = await h.call('GET', `/organizations/${ORG}/members`, { query: q, scopes: ['read:organization_members'] });
    expect(denied.status).toBe(403);
    const ok = b(
      await h.call('GET', `/organizations/${ORG}/members`, {
        query: q,
        scopes: ['read:organization_members', 'read:organization_member_roles'],
      }),
    );
    const first = (ok.members as Record<string, unknown>[])[0]!;
    expect(Object.keys(first).sort()).toEqual(['roles', 'user_id']);
    expect((first.roles as unknown[]).length).toBe(50);
  });

  it('removing a member drops its roles; deleting the org in config drops members', async () => {
    const member = ids[0]!;
    expect((await h.call('DELETE', `/organizations/${ORG}/members`, { body: { members: [member] } })).status).toBe(204);
    expect(store.memberships.memberRoles(ORG, member)).toEqual([]);
    config.remove('organizations', ORG);
    expect(store.memberships.countOrgMembers(ORG)).toBe(0);
    const u: User | undefined = store.get(ids[1]!);
    expect(u).toBeDefined();
  });
});
