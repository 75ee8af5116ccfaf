import { describe, expect, it } from 'vitest';
import { A0vaultError, SafetyError } from '../core/errors.js';
import type { OrgMemberRecord, RoleMemberRecord } from '../snapshot/memberships.js';
import { diffMemberships, resolverFromUsersDiff, summarizeMemberships } from './membership-diff.js';
import { checkDeleteBudget, checkPlanStillApplies, checkTargetTenant, parsePlan, planProblems, planRestore, type PlanRestoreOptions, type SnapshotState, type TargetState } from './plan.js';
import type { ConfigDoc } from './types.js';
import { diffUsers } from './users-diff.js';

type U = Record<string, unknown>;
const DB = 'Username-Password-Authentication';
const NOW = '2026-11-25T04:53:12.000Z';

const user = (id: string, email: string, extra: U = {}): U => ({
  user_id: `auth0|${id}`, email, email_verified: true, identities: [{ provider: 'auth0', connection: DB }], ...extra,
});

const snapshotConfig = (): ConfigDoc => ({
  databases: [{ name: DB, strategy: 'auth0', options: { mfa: { active: true } } }, { name: 'db2', strategy: 'auth0' }],
  connections: [{ name: 'github', strategy: 'github', options: { client_secret: '##CONNECTIONS_GITHUB_SECRET##' } }],
  clients: [{ name: 'SPA', app_type: 'spa' }],
  roles: [{ name: 'admin', description: 'Admins' }, { name: 'viewer' }],
  organizations: [{ name: 'acme', display_name: 'Acme' }],
  tenant: { friendly_name: 'Acme' },
});

async function* iterate<T>(list: T[]): AsyncGenerator<T> {
  yield* list;
}

interface World {
  snapshotUsers: U[];
  targetUsers: U[];
  snapshotRoles: RoleMemberRecord[];
  targetRoles: RoleMemberRecord[];
  config: ConfigDoc;
}

function world(): World {
  const target = snapshotConfig();
  target.roles = [{ name: 'admin', description: 'Old text' }, { name: 'legacy' }];
  target.clients = [{ name: 'SPA', app_type: 'spa' }, { name: 'a0vault', app_type: 'non_interactive' }];
  return {
    snapshotUsers: [user('1', 'a@x.com'), user('2', 'b@x.com', { given_name: 'B' }), user('3', 'c@x.com'), { user_id: 'github|9', email: 'g@x.com', identities: [{ provider: 'github', connection: 'github' }] }],
    targetUsers: [user('1', 'a@x.com'), user('2', 'b@x.com')],
    snapshotRoles: [
      { role_id: 'rol_s1', role_name: 'admin', user_id: 'auth0|1' },
      { role_id: 'rol_s1', role_name: 'admin', user_id: 'auth0|3' },
      { role_id: 'rol_s2', role_name: 'viewer', user_id: 'github|9' },
    ],
    targetRoles: [{ role_id: 'rol_t1', role_name: 'admin', user_id: 'auth0|1' }, { role_id: 'rol_t1', role_name: 'admin', user_id: 'auth0|2' }],
    config: target,
  };
}

async function states(w: World, allowDelete = false): Promise<{ snapshot: SnapshotState; target: TargetState }> {
  const signal = new AbortController().signal;
  const users = await diffUsers({ snapshot: () => iterate(w.snapshotUsers), target: () => iterate(w.targetUsers), signal });
  const resolveUser = resolverFromUsersDiff(users, (ref) => ref.user_id.startsWith('auth0|'));
  const orgs: OrgMemberRecord[] = [];
  const memberships = await summarizeMemberships(
    diffMemberships({
      snapshotRoleMembers: iterate(w.snapshotRoles),
      snapshotOrgMembers: iterate(orgs),
      targetRoleMembers: iterate(w.targetRoles),
      targetOrgMembers: iterate(orgs),
      snapshotIdMap: { roles: [{ id: 'rol_s1', name: 'admin' }, { id: 'rol_s2', name: 'viewer' }], organizations: [] },
      targetIdMap: { roles: [{ id: 'rol_t1', name: 'admin' }], organizations: [] },
      plannedNames: { roles: ['viewer'] },
      resolveUser,
      allowDelete,
      signal,
    }),
  );
  return {
    snapshot: { id: '20261124T000000Z-aaaaaa', tenant: 'acme.eu.auth0.com', config: snapshotConfig() },
    target: { domain: 'acme.eu.auth0.com', config: w.config, users, memberships },
  };
}

const opts = (extra: Partial<PlanRestoreOptions> = {}): PlanRestoreOptions => ({ createdAt: NOW, protect: { clients: ['a0vault'] }, ...extra });

describe('safety checks', () => {
  it('refuses another tenant unless toOtherTenant; domains compare case-insensitively', () => {
    expect(() => checkTargetTenant('a.auth0.com', 'b.auth0.com', false)).toThrow(SafetyError);
    expect(() => checkTargetTenant('a.auth0.com', 'b.auth0.com', true)).not.toThrow();
    expect(() => checkTargetTenant('A.auth0.com', 'a.auth0.com ', false)).not.toThrow();
  });

  it('refuses more deletes than maxDeletes, and a target that changed since the plan', () => {
    expect(() => checkDeleteBudget({ summary: { changes: 2, creates: 0, updates: 0, deletes: 2 }, options: { allowDelete: true, maxDeletes: 1, users: 'upsert' } })).toThrow(SafetyError);
    expect(() => checkDeleteBudget({ summary: { changes: 2, creates: 0, updates: 0, deletes: 1 }, options: { allowDelete: true, maxDeletes: 1, users: 'upsert' } })).not.toThrow();
    expect(() => checkPlanStillApplies({ targetFingerprint: 'a' }, 'b')).toThrow(SafetyError);
  });
});

describe('planRestore', () => {
  it('plans config, users and memberships, with a summary that adds up', async () => {
    const { snapshot, target } = await states(world());
    const plan = planRestore(snapshot, target, opts());
    expect(plan.steps.map((s) => s.type)).toEqual(['config', 'users', 'memberships']);
    expect(plan.config.roles).toEqual({ create: [{ name: 'viewer' }], update: [{ name: 'admin', changes: [{ path: 'description', from: 'Old text', to: 'Admins' }] }], unchanged: 0, onlyInTarget: [{ name: 'legacy', willDelete: false }] });
    expect(plan.config.clients?.onlyInTarget).toEqual([{ name: 'a0vault', willDelete: false }]);
    expect(plan.cannotCompare).toEqual(['connections[github].options.client_secret', 'users.password_hash', 'users.mfa_factors']);
    expect([plan.users.insert, plan.users.update, plan.users.unchanged]).toEqual([1, 1, 1]);
    expect(plan.users.notImportable.map((g) => g.count)).toEqual([1]);
    expect(plan.memberships.roleMembers).toEqual({ add: 1, remove: 0, unchanged: 1 });
    expect(plan.memberships.unresolved.map((g) => g.sample)).toEqual([['github|9']]);
    // config: 1 create + 1 update; users: 1 insert + 1 update; memberships: 1 add
    expect(plan.summary).toEqual({ changes: 5, creates: 3, updates: 2, deletes: 0 });
    expect(plan.targetFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(plan).toMatchObject({ formatVersion: 1, createdAt: NOW, options: { allowDelete: false, maxDeletes: 0, users: 'upsert' } });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('is deterministic: the same inputs give the same plan', async () => {
    const a = await states(world());
    const b = await states(world());
    expect(planRestore(a.snapshot, a.target, opts())).toEqual(planRestore(b.snapshot, b.target, opts()));
  });

  it('plans nothing when the target already matches the snapshot', async () => {
    const w = world();
    w.config = snapshotConfig();
    w.targetUsers = w.snapshotUsers.slice(0, 3);
    w.targetRoles = [{ role_id: 'rol_t1', role_name: 'admin', user_id: 'auth0|1' }, { role_id: 'rol_t1', role_name: 'admin', user_id: 'auth0|3' }];
    const { snapshot, target } = await states(w);
    const plan = planRestore(snapshot, target, opts());
    expect(plan.summary).toEqual({ changes: 0, creates: 0, updates: 0, deletes: 0 });
  });

  it('deletes only with allowDelete and within maxDeletes (config objects and memberships count)', async () => {
    const { snapshot, target } = await states(world(), true);
    const refused = (() => {
      try {
        planRestore(snapshot, target, opts({ allowDelete: true, maxDeletes: 1 }));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(SafetyError);
    expect((refused as SafetyError).details).toEqual({ deletes: 2, maxDeletes: 1 });
    const plan = planRestore(snapshot, target, opts({ allowDelete: true, maxDeletes: 1, enforceSafety: false }));
    expect(plan.config.roles?.onlyInTarget).toEqual([{ name: 'legacy', willDelete: true }]);
    expect(plan.config.clients?.onlyInTarget).toEqual([{ name: 'a0vault', willDelete: false }]);
    expect(plan.memberships.roleMembers.remove).toBe(1);
    expect(plan.summary.deletes).toBe(2);
    expect(planRestore(snapshot, target, opts({ allowDelete: true, maxDeletes: 2 })).summary.deletes).toBe(2);
    expect(planRestore(snapshot, target, opts()).summary.deletes).toBe(0);
  });

  it('counts users by mode: insert leaves updates out, skip leaves users out, with warnings', async () => {
    const { snapshot, target } = await states(world());
    const insert = planRestore(snapshot, target, opts({ users: 'insert' }));
    expect(insert.summary).toMatchObject({ creates: 3, updates: 1 });
    expect(insert.warnings).toContain('1 user(s) differ from the target but --users insert leaves existing users unchanged');
    const skip = planRestore(snapshot, target, opts({ users: 'skip' }));
    expect(skip.summary).toMatchObject({ creates: 2, updates: 1 });
  });

  it('refuses the wrong tenant before comparing anything', async () => {
    const { snapshot, target } = await states(world());
    expect(() => planRestore(snapshot, { ...target, domain: 'other.auth0.com' }, opts())).toThrow(SafetyError);
    expect(planRestore(snapshot, { ...target, domain: 'other.auth0.com' }, opts({ toOtherTenant: true })).target.domain).toBe('other.auth0.com');
  });

  it('restricts to the selection: --only types, --connection objects', async () => {
    const { snapshot, target } = await states(world());
    const only = planRestore(snapshot, target, opts({ selection: { only: ['roles'] } }));
    expect(Object.keys(only.config)).toEqual(['roles']);
    expect(only.summary.changes).toBe(2);
    expect(only.users.insert).toBe(0);
    const byConnection = planRestore(snapshot, { ...target, config: { ...target.config, databases: [{ name: DB, strategy: 'auth0' }] } }, opts({ selection: { connection: DB } }));
    expect(Object.keys(byConnection.config)).toEqual(['connections', 'databases']);
    expect(byConnection.config.databases?.update.map((u) => u.name)).toEqual([DB]);
    expect(byConnection.config.databases?.create).toEqual([]);
  });

  it('fingerprints the managed target state only', async () => {
    const { snapshot, target } = await states(world());
    const fp = (t: TargetState, selection = {}) => planRestore(snapshot, t, opts({ selection })).targetFingerprint;
    const base = fp(target);
    expect(fp({ ...target, config: { ...target.config, tenant: { friendly_name: 'Changed' } } })).not.toBe(base);
    expect(fp({ ...target, users: { ...target.users!, targetDigest: 'x' } })).not.toBe(base);
    const onlyRoles = fp(target, { only: ['roles'] });
    expect(fp({ ...target, config: { ...target.config, tenant: { friendly_name: 'Changed' } } }, { only: ['roles'] })).toBe(onlyRoles);
    expect(fp({ ...target, users: { ...target.users!, targetDigest: 'x' } }, { only: ['roles'] })).toBe(onlyRoles);
  });

  it('needs the comparisons of the selected steps, and a sane maxDeletes', async () => {
    const { snapshot, target } = await states(world());
    const { users: _users, ...withoutUsers } = target;
    expect(() => planRestore(snapshot, withoutUsers, opts())).toThrow(A0vaultError);
    expect(() => planRestore(snapshot, withoutUsers, opts({ selection: { exclude: ['users'] } }))).not.toThrow();
    expect(() => planRestore(snapshot, target, opts({ maxDeletes: -1 }))).toThrow(/max-deletes/);
  });
});

describe('parsePlan', () => {
  it('reads back every plan it can make, and refuses anything else', async () => {
    const { snapshot, target } = await states(world(), true);
    const plans = [
      planRestore(snapshot, target, opts()),
      planRestore(snapshot, target, opts({ allowDelete: true, maxDeletes: 9, users: 'insert', selection: { exclude: ['tenant'] } })),
      planRestore(snapshot, target, opts({ selection: { user: 'a@x.com' } })),
    ];
    for (const plan of plans) {
      expect(planProblems(plan)).toEqual([]);
      expect(parsePlan(JSON.stringify(plan), 'plan.json')).toEqual(plan);
    }
    expect(() => parsePlan('{', 'p.json')).toThrow(/p.json is not JSON/);
    const bad = { ...plans[0], summary: { changes: -1 }, extra: true };
    expect(() => parsePlan(JSON.stringify(bad), 'p.json')).toThrow(A0vaultError);
    expect(planProblems(bad).join('\n')).toMatch(/summary.*required|changes/);
  });
});
