/**
 * Compares a snapshot with the target's current state (itself read as a snapshot, so both
 * sides are parsed the same way) and makes the plan.
 *
 * Algorithm: users are compared when the users or the memberships step runs (memberships need
 * the user translation: preserved user_id, else email); memberships are compared with the
 * names of roles and organizations the config step creates marked as pending; then the pure
 * `planRestore` assembles the plan. Streams only: users and memberships are never held whole
 * (users-diff.ts and membership-diff.ts state their memory bounds).
 */
import type { OrgMemberRecord, RoleMemberRecord } from '../snapshot/memberships.js';
import { isPlainObject } from './config-diff.js';
import { diffMemberships, resolverFromUsersDiff, summarizeMemberships, type UserRef } from './membership-diff.js';
import { resolveSelection } from './order.js';
import { planRestore, type PlanRestoreOptions } from './plan.js';
import type { LoadedSnapshot } from './snapshot-state.js';
import type { Plan, UsersMode } from './types.js';
import { diffUsers, type UsersDiffResult } from './users-diff.js';

export interface Comparison {
  plan: Plan;
  /** Present when the users or memberships step runs. */
  usersDiff?: UsersDiffResult;
}

export type CompareOptions = Omit<PlanRestoreOptions, 'users'> & { users: UsersMode; signal: AbortSignal };

function names(doc: Record<string, unknown>, type: string): string[] {
  const list = doc[type];
  return Array.isArray(list) ? list.filter(isPlainObject).map((o) => o.name).filter((n): n is string => typeof n === 'string') : [];
}

/** Names of `type` objects the snapshot has and the target lacks (the config step creates them). */
function created(snapshot: LoadedSnapshot, target: LoadedSnapshot, type: string, configTypes: readonly string[]): string[] {
  if (!configTypes.includes(type)) return [];
  const have = new Set(names(target.config, type));
  return names(snapshot.config, type).filter((n) => !have.has(n));
}

/** Whether the users step of this restore would import the user behind a membership. */
export function willImportUser(diff: UsersDiffResult, usersStep: boolean, mode: UsersMode): (ref: UserRef) => boolean {
  return (ref) => usersStep && mode !== 'skip' && ref.user_id.startsWith('auth0|') && diff.includesUser(ref);
}

export async function compareWithTarget(snapshot: LoadedSnapshot, target: LoadedSnapshot, o: CompareOptions): Promise<Comparison> {
  const selection = resolveSelection(o.selection ?? {});
  const steps = new Set(selection.steps.map((s) => s.type));
  let usersDiff: UsersDiffResult | undefined;
  if (steps.has('users') || steps.has('memberships')) {
    const userSelection = { ...(o.selection?.user !== undefined ? { user: o.selection.user } : {}), ...(o.selection?.connection !== undefined ? { connection: o.selection.connection } : {}) };
    usersDiff = await diffUsers({ snapshot: () => snapshot.users(), target: () => target.users(), selection: userSelection, signal: o.signal });
  }
  let memberships;
  if (steps.has('memberships') && usersDiff) {
    const diff = usersDiff;
    const events = diffMemberships({
      snapshotRoleMembers: snapshot.roleMembers() as AsyncIterable<RoleMemberRecord>,
      snapshotOrgMembers: snapshot.organizationMembers() as AsyncIterable<OrgMemberRecord>,
      targetRoleMembers: target.roleMembers() as AsyncIterable<RoleMemberRecord>,
      targetOrgMembers: target.organizationMembers() as AsyncIterable<OrgMemberRecord>,
      snapshotIdMap: snapshot.idMap,
      targetIdMap: target.idMap,
      plannedNames: { roles: created(snapshot, target, 'roles', selection.configTypes), organizations: created(snapshot, target, 'organizations', selection.configTypes) },
      resolveUser: resolverFromUsersDiff(diff, willImportUser(diff, steps.has('users'), o.users)),
      includeUser: (ref) => diff.includesUser(ref),
      allowDelete: o.allowDelete ?? false,
      signal: o.signal,
    });
    memberships = await summarizeMemberships(events);
  }
  const { signal: _signal, ...planOptions } = o;
  const plan = planRestore(snapshot, { domain: target.tenant, config: target.config, ...(usersDiff ? { users: usersDiff } : {}), ...(memberships ? { memberships } : {}) }, planOptions);
  return { plan, ...(usersDiff ? { usersDiff } : {}) };
}
