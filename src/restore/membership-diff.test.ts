import { describe, expect, it } from 'vitest';
import type { OrgMemberRecord, RoleMemberRecord } from '../snapshot/memberships.js';
import { diffMemberships, resolverFromUsersDiff, summarizeMemberships, UNRESOLVED, type MembershipDiffInput, type MembershipEvent, type MembershipOp, type UserRef } from './membership-diff.js';

async function* iterate<T>(list: T[]): AsyncGenerator<T> {
  yield* list;
}

const role = (role_id: string, role_name: string, user_id: string, email?: string): RoleMemberRecord => ({ role_id, role_name, user_id, ...(email ? { email } : {}) });
const member = (org_id: string, org_name: string, user_id: string, roles: [string, string][]): OrgMemberRecord => ({
  org_id,
  org_name,
  user_id,
  roles: roles.map(([id, name]) => ({ id, name })),
});

const targetUsers = new Set(['auth0|u1', 'auth0|u9']);
const resolveUser = (ref: UserRef) =>
  targetUsers.has(ref.user_id) ? { userId: ref.user_id } : ref.user_id.startsWith('auth0|') ? { userId: ref.user_id, pending: true } : undefined;

function fixture(extra: Partial<MembershipDiffInput> = {}): MembershipDiffInput {
  return {
    snapshotRoleMembers: iterate([
      role('rol_s1', 'admin', 'auth0|u1'),
      role('rol_s1', 'admin', 'auth0|u2'),
      role('rol_s2', '', 'google-oauth2|u3'), // name missing: taken from the snapshot id map
      role('rol_s3', 'gone', 'auth0|u1'),
      role('rol_s4', 'new-role', 'auth0|u1'),
    ]),
    snapshotOrgMembers: iterate([member('org_s1', 'acme', 'auth0|u1', [['rol_s1', 'admin'], ['rol_s2', 'viewer']])]),
    targetRoleMembers: iterate([role('rol_t1', 'admin', 'auth0|u1'), role('rol_t1', 'admin', 'auth0|u9'), role('rol_tx', 'unmanaged', 'auth0|u9')]),
    targetOrgMembers: iterate([member('org_t1', 'acme', 'auth0|u1', [['rol_t1', 'admin']]), member('org_t1', 'acme', 'auth0|u9', [['rol_t2', 'viewer']])]),
    snapshotIdMap: {
      roles: [{ id: 'rol_s1', name: 'admin' }, { id: 'rol_s2', name: 'viewer' }, { id: 'rol_s3', name: 'gone' }],
      organizations: [{ id: 'org_s1', name: 'acme' }],
    },
    targetIdMap: { roles: [{ id: 'rol_t1', name: 'admin' }, { id: 'rol_t2', name: 'viewer' }], organizations: [{ id: 'org_t1', name: 'acme' }] },
    plannedNames: { roles: ['new-role'] },
    resolveUser,
    allowDelete: false,
    signal: new AbortController().signal,
    ...extra,
  };
}

async function collect(input: MembershipDiffInput): Promise<MembershipEvent[]> {
  const out: MembershipEvent[] = [];
  for await (const e of diffMemberships(input)) out.push(e);
  return out;
}

const ops = (events: MembershipEvent[]): MembershipOp[] => events.flatMap((e) => (e.kind === 'op' ? [e.op] : []));

describe('diffMemberships', () => {
  it('translates roles and organizations by name and users through the resolver', async () => {
    const events = await collect(fixture());
    expect(ops(events)).toEqual([
      { type: 'role-member', action: 'add', role: { name: 'admin', id: 'rol_t1' }, user: { userId: 'auth0|u2', pending: true } },
      { type: 'role-member', action: 'add', role: { name: 'new-role' }, user: { userId: 'auth0|u1' } },
      { type: 'org-member-role', action: 'add', org: { name: 'acme', id: 'org_t1' }, role: { name: 'viewer', id: 'rol_t2' }, user: { userId: 'auth0|u1' } },
    ]);
    expect(events.filter((e) => e.kind === 'unresolved')).toEqual([
      { kind: 'unresolved', reason: UNRESOLVED.user, subject: 'google-oauth2|u3' },
      { kind: 'unresolved', reason: UNRESOLVED.role, subject: 'gone' },
    ]);
  });

  it('summarises counts and unresolved references; removes only with allowDelete', async () => {
    const without = await summarizeMemberships(diffMemberships(fixture()));
    expect(without.plan).toEqual({
      roleMembers: { add: 2, remove: 0, unchanged: 1 },
      orgMembers: { add: 0, remove: 0, unchanged: 1 },
      orgMemberRoles: { add: 1, remove: 0, unchanged: 1 },
      unresolved: [
        { reason: UNRESOLVED.user, count: 1, sample: ['google-oauth2|u3'] },
        { reason: UNRESOLVED.role, count: 1, sample: ['gone'] },
      ],
    });
    expect(without.targetDigest).toMatch(/^[0-9a-f]{64}$/);
    const withDeletes = await collect(fixture({ allowDelete: true }));
    // u9 leaves admin and acme (its acme role goes with the membership); the unmanaged role is left alone
    expect(ops(withDeletes).filter((o) => o.action === 'remove')).toEqual([
      { type: 'role-member', action: 'remove', role: { name: 'admin', id: 'rol_t1' }, user: { userId: 'auth0|u9' } },
      { type: 'org-member', action: 'remove', org: { name: 'acme', id: 'org_t1' }, user: { userId: 'auth0|u9' } },
    ]);
  });

  it('removes an organization role the snapshot member does not have', async () => {
    const input = fixture({
      allowDelete: true,
      targetOrgMembers: iterate([member('org_t1', 'acme', 'auth0|u1', [['rol_t1', 'admin'], ['rol_t2', 'viewer'], ['rol_tz', 'extra']])]),
    });
    const removes = ops(await collect(input)).filter((o) => o.action === 'remove' && o.type === 'org-member-role');
    expect(removes).toEqual([{ type: 'org-member-role', action: 'remove', org: { name: 'acme', id: 'org_t1' }, role: { name: 'extra' }, user: { userId: 'auth0|u1' } }]);
  });

  it('limits adds and removes to the selected users', async () => {
    const summary = await summarizeMemberships(diffMemberships(fixture({ allowDelete: true, includeUser: (ref) => ref.user_id === 'auth0|u2' })));
    expect(summary.plan.roleMembers).toEqual({ add: 1, remove: 0, unchanged: 0 });
    expect(summary.plan.orgMembers).toEqual({ add: 0, remove: 0, unchanged: 0 });
    expect(summary.plan.unresolved).toEqual([]);
  });

  it('digests the target memberships independently of order', async () => {
    const digest = async (roles: RoleMemberRecord[]) => (await summarizeMemberships(diffMemberships(fixture({ targetRoleMembers: iterate(roles) })))).targetDigest;
    const a = role('rol_t1', 'admin', 'auth0|u1');
    const b = role('rol_t1', 'admin', 'auth0|u9');
    expect(await digest([a, b])).toBe(await digest([b, a]));
    expect(await digest([a])).not.toBe(await digest([a, b]));
  });
});

describe('resolverFromUsersDiff', () => {
  it('resolves by preserved id, then email match, then pending import', () => {
    const resolve = resolverFromUsersDiff(
      { hasTargetUser: (id) => id === 'auth0|a', emailMatches: new Map([['auth0|old', 'auth0|new']]) },
      (ref) => ref.user_id.startsWith('auth0|'),
    );
    expect(resolve({ user_id: 'auth0|a' })).toEqual({ userId: 'auth0|a' });
    expect(resolve({ user_id: 'auth0|old' })).toEqual({ userId: 'auth0|new' });
    expect(resolve({ user_id: 'auth0|z' })).toEqual({ userId: 'auth0|z', pending: true });
    expect(resolve({ user_id: 'github|1' })).toBeUndefined();
  });
});
