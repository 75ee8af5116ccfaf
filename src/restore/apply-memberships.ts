/**
 * Applies membership additions: role members, organization members, organization member roles.
 *
 * Algorithm: read the operations in chunks of `chunkSize`; within a chunk group role members by
 * role and organization members by organization and send them ROLE_USERS_PER_CALL /
 * ORG_MEMBERS_PER_CALL per call (all batches queued at once, the ApiQueue paces them); then, once
 * those calls settled (a member must exist before it gets roles), assign member roles, one call
 * per (organization, user) with the chunk's role ids merged. Order within a chunk is therefore
 * role members ∥ org members, then member roles; org memberships of later chunks never come
 * before their member roles because the org-member-roles op of a user follows its org-member op
 * in the diff's order (and a failed one is reported, not fatal).
 *
 * Contract: a failed batch or call is reported as one item error per user (with the HTTP
 * status as code) and counted as failed; other items go on. Only cancellation rejects.
 * Counts go to types `role-members`, `org-members`, `org-member-roles` (`inserted` = added).
 */
import { throwIfAborted } from '../core/abort.js';
import { CancelledError, describeError } from '../core/errors.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import type { BatchResult } from '../auth0/batch.js';
import type { ManagementApi } from '../auth0/client.js';
import { ManagementApiError } from '../auth0/errors.js';
import { addOrganizationMembers, assignMemberRoles } from '../auth0/organizations.js';
import { assignRoleUsers } from '../auth0/roles.js';
import type { MembershipOp } from './membership-diff.js';
import { RestoreReport } from './report.js';

export type MembershipAdd =
  | { kind: 'role-member'; roleId: string; userId: string }
  | { kind: 'org-member'; orgId: string; userId: string }
  | { kind: 'org-member-roles'; orgId: string; userId: string; roleIds: string[] };

export interface ApplyMembershipsOptions {
  api: ManagementApi;
  adds: Iterable<MembershipAdd> | AsyncIterable<MembershipAdd>;
  signal: AbortSignal;
  report?: RestoreReport;
  progress?: ProgressReporter;
  /** Operations grouped per round (bounds memory); default 5000. */
  chunkSize?: number;
}

export interface MembershipTotals {
  roleMembers: number;
  orgMembers: number;
  orgMemberRoles: number;
  failed: number;
}

/** Ids of roles and organizations in the target, by name (for ops whose target was created by this restore). */
export interface TargetIds {
  role(name: string): string | undefined;
  org(name: string): string | undefined;
}

/**
 * Translates the 'add' ops of membership-diff into MembershipAdds; ops whose role or org has no
 * id in the target are returned as `unresolved` (for the report), removals are ignored.
 */
export function toMembershipAdds(ops: Iterable<MembershipOp>, ids: TargetIds): { adds: MembershipAdd[]; unresolved: string[] } {
  const adds: MembershipAdd[] = [];
  const unresolved: string[] = [];
  for (const op of ops) {
    if (op.action !== 'add') continue;
    const userId = op.user.userId;
    if (op.type === 'role-member') {
      const roleId = op.role.id ?? ids.role(op.role.name);
      if (roleId) adds.push({ kind: 'role-member', roleId, userId });
      else unresolved.push(`role ${op.role.name} for ${userId}`);
    } else {
      const orgId = op.org.id ?? ids.org(op.org.name);
      if (!orgId) {
        unresolved.push(`organization ${op.org.name} for ${userId}`);
        continue;
      }
      if (op.type === 'org-member') adds.push({ kind: 'org-member', orgId, userId });
      else {
        const roleId = op.role.id ?? ids.role(op.role.name);
        if (roleId) adds.push({ kind: 'org-member-roles', orgId, userId, roleIds: [roleId] });
        else unresolved.push(`role ${op.role.name} in organization ${op.org.name} for ${userId}`);
      }
    }
  }
  return { adds, unresolved };
}

function codesOf(err: unknown): string[] {
  if (err instanceof ManagementApiError) return [err.errorCode ?? String(err.status ?? 'network')];
  return ['ERROR'];
}

export async function applyMemberships(o: ApplyMembershipsOptions): Promise<MembershipTotals> {
  const report = o.report ?? new RestoreReport();
  const progress = o.progress ?? silentProgress;
  const chunkSize = o.chunkSize ?? 5000;
  const totals: MembershipTotals = { roleMembers: 0, orgMembers: 0, orgMemberRoles: 0, failed: 0 };
  const call = { signal: o.signal };

  const batchOutcome = (type: string, parent: string, r: BatchResult): number => {
    for (const f of r.failed) {
      for (const userId of f.items) {
        report.itemError({ type, item: `${parent}/${userId}`, codes: codesOf(f.error), message: describeError(f.error) });
      }
      totals.failed += f.items.length;
      report.count(type, { failed: f.items.length });
    }
    report.count(type, { inserted: r.done });
    return r.done;
  };

  const runChunk = async (chunk: MembershipAdd[]): Promise<void> => {
    throwIfAborted(o.signal);
    const roles = new Map<string, string[]>();
    const orgs = new Map<string, string[]>();
    const memberRoles = new Map<string, { orgId: string; userId: string; roleIds: Set<string> }>();
    for (const a of chunk) {
      if (a.kind === 'role-member') roles.set(a.roleId, [...(roles.get(a.roleId) ?? []), a.userId]);
      else if (a.kind === 'org-member') orgs.set(a.orgId, [...(orgs.get(a.orgId) ?? []), a.userId]);
      else {
        const key = `${a.orgId}\0${a.userId}`;
        const entry = memberRoles.get(key) ?? { orgId: a.orgId, userId: a.userId, roleIds: new Set<string>() };
        for (const r of a.roleIds) entry.roleIds.add(r);
        memberRoles.set(key, entry);
      }
    }
    await Promise.all([
      ...[...roles].map(async ([roleId, users]) => {
        const r = await assignRoleUsers(o.api, roleId, users, call);
        totals.roleMembers += batchOutcome('role-members', roleId, r);
      }),
      ...[...orgs].map(async ([orgId, users]) => {
        const r = await addOrganizationMembers(o.api, orgId, users, call);
        totals.orgMembers += batchOutcome('org-members', orgId, r);
      }),
    ]);
    const settled = await Promise.allSettled([...memberRoles.values()].map((m) => assignMemberRoles(o.api, m.orgId, m.userId, [...m.roleIds], call)));
    const entries = [...memberRoles.values()];
    settled.forEach((s, i) => {
      const m = entries[i];
      if (!m) return;
      if (s.status === 'fulfilled') {
        totals.orgMemberRoles += m.roleIds.size;
        report.count('org-member-roles', { inserted: m.roleIds.size });
        return;
      }
      if (s.reason instanceof CancelledError) throw s.reason;
      totals.failed += m.roleIds.size;
      report.count('org-member-roles', { failed: m.roleIds.size });
      report.itemError({ type: 'org-member-roles', item: `${m.orgId}/${m.userId}`, codes: codesOf(s.reason), message: describeError(s.reason) });
    });
    progress.emit({ type: 'progress', phase: 'memberships', done: totals.roleMembers + totals.orgMembers + totals.orgMemberRoles + totals.failed });
  };

  let chunk: MembershipAdd[] = [];
  for await (const a of o.adds) {
    chunk.push(a);
    if (chunk.length >= chunkSize) {
      await runChunk(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await runChunk(chunk);
  return totals;
}
