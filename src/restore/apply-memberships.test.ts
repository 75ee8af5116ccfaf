import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { ManagementApi } from '../auth0/client.js';
import { toCredentials } from '../auth0/credentials.js';
import { drive, FakeApi, json, type FakeCall } from '../auth0/test-support/fake-api.js';
import { applyMemberships, toMembershipAdds, type MembershipAdd } from './apply-memberships.js';
import type { MembershipOp } from './membership-diff.js';
import { RestoreReport } from './report.js';

function setup() {
  const clock = new ManualClock();
  const bodies: { method: string; path: string; body: unknown; at: number }[] = [];
  const handler = (c: FakeCall): Response => {
    const body: unknown = typeof c.body === 'string' ? JSON.parse(c.body) : undefined;
    bodies.push({ method: c.method, path: c.url.pathname, body, at: bodies.length });
    if (`${c.url.pathname} ${typeof c.body === 'string' ? c.body : ''}`.includes('rol_missing')) return json(404, { statusCode: 404, message: 'The role does not exist.', errorCode: 'inexistent_role' });
    return json(c.url.pathname.endsWith('/members') ? 204 : 200, {});
  };
  const fake = new FakeApi(clock, { handler, limit: 1000, refillPerSecond: 1000 });
  const api = new ManagementApi({ credentials: toCredentials({ domain: 't.example.com', clientId: 'cid', clientSecret: 'shh' }), fetch: fake.fetch, clock, queue: { random: () => 0.5 } });
  return { clock, api, bodies };
}

const users = (n: number, p = 'auth0|u') => Array.from({ length: n }, (_, i) => `${p}${i}`);

describe('applyMemberships', () => {
  it('sends role users and org members 10 per call, member roles merged per member after the members', async () => {
    const t = setup();
    const adds: MembershipAdd[] = [
      ...users(25).map((userId) => ({ kind: 'role-member' as const, roleId: 'rol_a', userId })),
      ...users(12).map((userId) => ({ kind: 'org-member' as const, orgId: 'org_1', userId })),
      { kind: 'org-member-roles', orgId: 'org_1', userId: 'auth0|u0', roleIds: ['rol_x'] },
      { kind: 'org-member-roles', orgId: 'org_1', userId: 'auth0|u0', roleIds: ['rol_y', 'rol_x'] },
    ];
    const report = new RestoreReport();
    const totals = await drive(t.clock, applyMemberships({ api: t.api, adds, signal: new AbortController().signal, report }));
    expect(totals).toEqual({ roleMembers: 25, orgMembers: 12, orgMemberRoles: 2, failed: 0 });
    const roleCalls = t.bodies.filter((b) => b.path === '/api/v2/roles/rol_a/users');
    expect(roleCalls.map((b) => (b.body as { users: string[] }).users.length).sort()).toEqual([10, 10, 5]);
    const orgCalls = t.bodies.filter((b) => b.path === '/api/v2/organizations/org_1/members');
    expect(orgCalls.map((b) => (b.body as { members: string[] }).members.length).sort()).toEqual([10, 2]);
    const memberRoles = t.bodies.filter((b) => b.path.endsWith('/roles') && b.path.includes('/members/'));
    expect(memberRoles).toHaveLength(1);
    expect((memberRoles[0]?.body as { roles: string[] }).roles.sort()).toEqual(['rol_x', 'rol_y']);
    expect(Math.min(...memberRoles.map((b) => b.at))).toBeGreaterThan(Math.max(...orgCalls.map((b) => b.at)));
    expect(report.outcome).toBe('completed');
  });

  it('reports each user of a failed batch and goes on with the rest', async () => {
    const t = setup();
    const adds: MembershipAdd[] = [
      ...users(3).map((userId) => ({ kind: 'role-member' as const, roleId: 'rol_missing', userId })),
      ...users(4).map((userId) => ({ kind: 'role-member' as const, roleId: 'rol_ok', userId })),
      { kind: 'org-member-roles', orgId: 'org_1', userId: 'auth0|u1', roleIds: ['rol_missing'] },
    ];
    const report = new RestoreReport();
    const totals = await drive(t.clock, applyMemberships({ api: t.api, adds, signal: new AbortController().signal, report, chunkSize: 2 }));
    expect(totals).toEqual({ roleMembers: 4, orgMembers: 0, orgMemberRoles: 0, failed: 4 });
    expect(report.errors.map((e) => e.item).sort()).toEqual(['org_1/auth0|u1', 'rol_missing/auth0|u0', 'rol_missing/auth0|u1', 'rol_missing/auth0|u2']);
    expect(report.errors.every((e) => e.codes[0] === 'inexistent_role')).toBe(true);
    expect(report.counts['role-members']).toEqual({ inserted: 4, updated: 0, failed: 3, skipped: 0 });
    expect(report.outcome).toBe('partially-failed');
  });
});

describe('toMembershipAdds', () => {
  it('resolves ids by name, keeps only additions and lists what it cannot resolve', () => {
    const u = { userId: 'auth0|1' };
    const ops: MembershipOp[] = [
      { type: 'role-member', action: 'add', role: { name: 'admin' }, user: u },
      { type: 'role-member', action: 'remove', role: { name: 'admin', id: 'rol_1' }, user: u },
      { type: 'org-member', action: 'add', org: { name: 'acme', id: 'org_9' }, user: u },
      { type: 'org-member-role', action: 'add', org: { name: 'acme' }, role: { name: 'ghost' }, user: u },
      { type: 'org-member', action: 'add', org: { name: 'nowhere' }, user: u },
    ];
    const ids = { role: (n: string) => (n === 'admin' ? 'rol_1' : undefined), org: (n: string) => (n === 'acme' ? 'org_9' : undefined) };
    const { adds, unresolved } = toMembershipAdds(ops, ids);
    expect(adds).toEqual([
      { kind: 'role-member', roleId: 'rol_1', userId: 'auth0|1' },
      { kind: 'org-member', orgId: 'org_9', userId: 'auth0|1' },
    ]);
    expect(unresolved).toEqual(['role ghost in organization acme for auth0|1', 'organization nowhere for auth0|1']);
  });
});
