import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleConfig } from './fake-config.js';
import { seedDemoUsers, seedUsers } from './seed.js';
import { createUserStore, type SqliteUserStore } from './store.js';

const stores: SqliteUserStore[] = [];
function newStore(memory = true): SqliteUserStore {
  const s = createUserStore({ memory });
  stores.push(s);
  return s;
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

async function digest(store: SqliteUserStore): Promise<string> {
  const h = createHash('sha256');
  h.update(await text(store.streamState()));
  h.update(await text(store.streamMemberships()));
  return h.digest('hex');
}

describe('user store seeds', () => {
  it('same seed gives the same users and memberships; another seed differs', async () => {
    const config = sampleConfig();
    const a = newStore();
    const b = newStore(false);
    const c = newStore();
    seedUsers(a, config, { count: 600, seed: 42 });
    seedUsers(b, config, { count: 600, seed: 42, batchSize: 7 });
    seedUsers(c, config, { count: 600, seed: 43 });
    expect(a.count()).toBe(600);
    expect(await digest(a)).toBe(await digest(b));
    expect(await digest(a)).not.toBe(await digest(c));
  });

  it('spreads users over database connections only and draws memberships from config', () => {
    const config = sampleConfig();
    const store = newStore();
    const summary = seedUsers(store, config, { count: 2000, seed: 'x' });
    const conns = new Set<string>();
    for (const u of store.search({ sql: '1', params: [] }, 'seq', 2000, 0)) conns.add(u.identities[0]!.connection);
    expect([...conns].sort()).toEqual(['Username-Password-Authentication', 'disabled-db', 'legacy-db']);
    expect(summary.roleMembers).toBeGreaterThan(300);
    expect(summary.orgMembers).toBeGreaterThan(100);
    const admins = store.memberships.countRoleMembers('rol_0000000000000001');
    const editors = store.memberships.countRoleMembers('rol_0000000000000002');
    expect(admins + editors + store.memberships.countRoleMembers('rol_0000000000000003')).toBe(summary.roleMembers);
  });

  it('demo users include social, blocked and phone users, all with metadata', () => {
    const store = newStore();
    seedDemoUsers(store, sampleConfig());
    const all = store.search({ sql: '1', params: [] }, 'seq', 1000, 0);
    expect(all).toHaveLength(1000);
    expect(all.filter((u) => u.user_id.startsWith('google-oauth2|')).length).toBeGreaterThan(10);
    expect(all.filter((u) => u.blocked === true).length).toBeGreaterThan(5);
    expect(all.filter((u) => typeof u.phone_number === 'string').length).toBeGreaterThan(100);
    expect(all.every((u) => typeof u.user_metadata === 'object')).toBe(true);
  });

  it('never returns secrets and drops memberships with deleted roles, orgs and connections', async () => {
    const config = sampleConfig();
    const store = newStore();
    store.watch(config);
    store.watch(config); // idempotent
    seedUsers(store, config, { count: 300, seed: 1 });
    const state = await text(store.streamState());
    expect(state).not.toContain('password');
    const before = store.memberships.countRoleMembers('rol_0000000000000001');
    expect(before).toBeGreaterThan(0);
    config.remove('roles', 'rol_0000000000000001');
    expect(store.memberships.countRoleMembers('rol_0000000000000001')).toBe(0);
    config.remove('organizations', 'org_0000000000000001');
    expect(store.memberships.countOrgMembers('org_0000000000000001')).toBe(0);
    const total = store.count();
    config.remove('connections', 'con_BBBBBBBBBBBBBBBB');
    expect(store.count()).toBeLessThan(total);
    expect(store.byEmail('nobody@example.com')).toEqual([]);
  });

  it('clear() empties everything and notifies listeners', () => {
    const store = newStore();
    let cleared = 0;
    store.onClear(() => cleared++);
    seedUsers(store, sampleConfig(), { count: 50, seed: 1 });
    store.clear();
    expect(store.count()).toBe(0);
    expect(cleared).toBe(1);
  });
});
