import { describe, expect, it } from 'vitest';
import { planRestore } from './plan.js';
import { renderPlanJson, renderPlanText } from './render-plan.js';
import type { ConfigDoc, Plan, UsersPlan } from './types.js';

const users = (over: Partial<UsersPlan> = {}): UsersPlan & { targetDigest: string } => ({
  insert: 0, update: 0, unchanged: 0, matchedByEmail: 0, onlyInTarget: 0, changedFields: {}, notUpsertable: {}, notImportable: [],
  byConnection: {}, sample: { insert: [], update: [], onlyInTarget: [] }, targetDigest: 'd', ...over,
});

function makePlan(snapshot: ConfigDoc, target: ConfigDoc, usersOver: Partial<UsersPlan> = {}, allowDelete = false): Plan {
  return planRestore(
    { id: '20261124T000000Z-aaaaaa', tenant: 'a.auth0.com', config: snapshot },
    { domain: 'b.auth0.com', config: target, users: users(usersOver), memberships: { plan: { roleMembers: { add: 2, remove: 0, unchanged: 5 }, orgMembers: { add: 0, remove: 0, unchanged: 0 }, orgMemberRoles: { add: 0, remove: 0, unchanged: 0 }, unresolved: [{ reason: 'role not in the target', count: 3, sample: ['gone'] }] }, targetDigest: 'm' } },
    { createdAt: '2026-11-25T00:00:00.000Z', toOtherTenant: true, allowDelete, maxDeletes: 5 },
  );
}

describe('renderPlanText', () => {
  it('prints a summary table, the totals, then details per object', () => {
    const plan = makePlan(
      { roles: [{ name: 'new' }, { name: 'admin', description: 'x'.repeat(200) }], connections: [{ name: 'gh', options: { client_secret: '##S##' } }] },
      { roles: [{ name: 'admin', description: 'old' }, { name: 'stale' }], connections: [{ name: 'gh', options: {} }] },
      { insert: 4, update: 1, unchanged: 10, byConnection: { db: { insert: 4, update: 1, unchanged: 10 } }, notImportable: [{ reason: 'not a database user (provider github)', count: 2, sample: ['github|1'] }], sample: { insert: ['auth0|9'], update: ['auth0|8'], onlyInTarget: [] } },
    );
    const text = renderPlanText(plan);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Restore plan: snapshot 20261124T000000Z-aaaaaa (a.auth0.com) → b.auth0.com');
    const header = lines.findIndex((l) => l.startsWith('TYPE'));
    expect(lines.slice(header, header + 6)).toEqual([
      'TYPE                       CREATE  UPDATE  DELETE  UNCHANGED  ONLY IN TARGET',
      'connections                     0       0       0          1               0',
      'roles                           1       1       0          0               1',
      'users (upsert)                  4       1       -         10               0',
      'role members                    2       -       0          5               -',
      'organization members            0       -       0          0               -',
    ]);
    expect(text).toContain('Plan: 7 to create, 2 to update, 0 to delete (9 changes).');
    expect(text).toContain('  + roles[new]');
    expect(text).toContain('  ~ roles[admin]');
    expect(text).toMatch(/ {6}description: "old" → "x{70,}…/);
    expect(text).toContain('  ? roles[stale] (only in the target; kept: deleted only with --allow-delete)');
    expect(text).toContain('  not importable: 2 — not a database user (provider github) (e.g. github|1)');
    expect(text).toContain('  3 — role not in the target (e.g. gone)');
    expect(text).toContain('Cannot compare');
    expect(text).toContain('  connections[gh].options.client_secret');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says so when there is nothing to do, and marks deletes with -', () => {
    const same = makePlan({ roles: [{ name: 'a' }] }, { roles: [{ name: 'a' }] });
    same.memberships.roleMembers.add = 0;
    same.summary = { changes: 0, creates: 0, updates: 0, deletes: 0 };
    expect(renderPlanText(same)).toContain('No changes: the target already matches the snapshot.');
    const del = makePlan({ roles: [] }, { roles: [{ name: 'old' }] }, {}, true);
    expect(renderPlanText(del)).toContain('  - roles[old]');
  });
});

describe('renderPlanJson', () => {
  it('is the plan itself, with summary.changes', () => {
    const plan = makePlan({ roles: [{ name: 'a' }] }, { roles: [] });
    const parsed = JSON.parse(renderPlanJson(plan)) as Plan;
    expect(parsed).toEqual(plan);
    expect(parsed.summary.changes).toBe(3);
  });
});
