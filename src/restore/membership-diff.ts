/**
 * Translates the snapshot's memberships (role members, organization members and their
 * organization roles) into the target and compares them with the target's.
 *
 * Algorithm: read the target's membership records once into a set of keys (role name, target
 * user id, …), with an order-independent digest for the plan's fingerprint; then stream the
 * snapshot records: roles and organizations are translated BY NAME (the record's name, else the
 * snapshot id map) to the target's ids (or marked pending when the config step creates them),
 * users through the caller's resolver (preserved user_id, else email). A key the target has is
 * unchanged, any other is an add. With allowDelete, target keys never seen become removes
 * (only for roles and organizations the snapshot knows, and only for selected users).
 * References that cannot be translated are reported as `unresolved` events, never dropped.
 *
 * Memory: the target's membership keys (≈100 bytes each); snapshot records are streamed.
 */
import { createHash } from 'node:crypto';
import { throwIfAborted } from '../core/abort.js';
import type { OrgMemberRecord, RoleMemberRecord } from '../snapshot/memberships.js';
import type { IdMap } from '../snapshot/types.js';
import type { CountSample, MembershipCounts, MembershipsPlan } from './types.js';

export interface UserRef {
  user_id: string;
  email?: string;
}

/** A target user id, `pending` when the users step of this restore creates the user. */
export type UserResolution = { userId: string; pending?: boolean } | undefined;

export interface NamedTarget {
  name: string;
  /** Absent when the config step of this restore creates the object (resolved by name at apply time). */
  id?: string;
}

export type MembershipOp =
  | { type: 'role-member'; action: 'add' | 'remove'; role: NamedTarget; user: { userId: string; pending?: boolean } }
  | { type: 'org-member'; action: 'add' | 'remove'; org: NamedTarget; user: { userId: string; pending?: boolean } }
  | { type: 'org-member-role'; action: 'add' | 'remove'; org: NamedTarget; role: NamedTarget; user: { userId: string; pending?: boolean } };

export type MembershipEvent =
  | { kind: 'op'; op: MembershipOp }
  | { kind: 'unchanged'; type: MembershipOp['type'] }
  | { kind: 'unresolved'; reason: string; subject: string }
  | { kind: 'target-digest'; digest: string };

export interface MembershipDiffInput {
  snapshotRoleMembers: AsyncIterable<RoleMemberRecord>;
  snapshotOrgMembers: AsyncIterable<OrgMemberRecord>;
  targetRoleMembers: AsyncIterable<RoleMemberRecord>;
  targetOrgMembers: AsyncIterable<OrgMemberRecord>;
  snapshotIdMap: Pick<IdMap, 'roles' | 'organizations'>;
  targetIdMap: Pick<IdMap, 'roles' | 'organizations'>;
  /** Names the config step of this restore creates in the target. */
  plannedNames?: { roles?: Iterable<string>; organizations?: Iterable<string> };
  resolveUser: (ref: UserRef) => UserResolution | Promise<UserResolution>;
  /** Selection (`--user`, `--connection`): memberships of other users are left alone. */
  includeUser?: (ref: UserRef) => boolean;
  allowDelete: boolean;
  signal: AbortSignal;
}

export const UNRESOLVED = {
  role: 'role not in the target and not created by this restore',
  org: 'organization not in the target and not created by this restore',
  user: 'user not in the target and not imported by this restore',
} as const;

const SEP = '\u0000';

class Translator {
  private readonly ids = new Map<string, string>();
  private readonly planned: Set<string>;
  private readonly snapshotNames = new Map<string, string>();
  private readonly snapshotNameSet = new Set<string>();
  constructor(target: { id: string; name: string }[], snapshot: { id: string; name: string }[], planned: Iterable<string> | undefined) {
    for (const t of target) if (!this.ids.has(t.name)) this.ids.set(t.name, t.id);
    for (const s of snapshot) {
      this.snapshotNames.set(s.id, s.name);
      this.snapshotNameSet.add(s.name);
    }
    this.planned = new Set(planned ?? []);
  }
  /** The snapshot-side name of a record's object (its own name, else the snapshot id map). */
  name(id: string, name: string | undefined): string | undefined {
    const found = name || this.snapshotNames.get(id);
    if (found) this.snapshotNameSet.add(found);
    return found;
  }
  knows(name: string): boolean {
    return this.snapshotNameSet.has(name);
  }
  translate(name: string): NamedTarget | undefined {
    const id = this.ids.get(name);
    if (id !== undefined) return { name, id };
    return this.planned.has(name) ? { name } : undefined;
  }
}

/** Streams the membership differences as events (ops in snapshot order, removes last). */
export async function* diffMemberships(input: MembershipDiffInput): AsyncGenerator<MembershipEvent> {
  const { signal } = input;
  const roles = new Translator(input.targetIdMap.roles, input.snapshotIdMap.roles, input.plannedNames?.roles);
  const orgs = new Translator(input.targetIdMap.organizations, input.snapshotIdMap.organizations, input.plannedNames?.organizations);
  const target = new Map<string, boolean>(); // key → seen in the snapshot
  const lanes = new Uint32Array(4);
  const addKey = (key: string) => {
    if (target.has(key)) return;
    target.set(key, false);
    const d = createHash('sha256').update(key).digest();
    for (let i = 0; i < 4; i++) lanes[i] = ((lanes[i] ?? 0) + d.readUInt32LE(4 * i)) >>> 0;
  };
  for await (const r of input.targetRoleMembers) {
    throwIfAborted(signal);
    addKey(['r', r.role_name, r.user_id].join(SEP));
  }
  for await (const m of input.targetOrgMembers) {
    throwIfAborted(signal);
    addKey(['o', m.org_name, m.user_id].join(SEP));
    for (const role of m.roles) addKey(['m', m.org_name, m.user_id, role.name].join(SEP));
  }
  yield { kind: 'target-digest', digest: createHash('sha256').update(Buffer.from(lanes.buffer)).update(String(target.size)).digest('hex') };

  const compare = (key: string): boolean => {
    const known = target.has(key);
    if (known) target.set(key, true);
    return known;
  };
  for await (const r of input.snapshotRoleMembers) {
    throwIfAborted(signal);
    const ref = userRef(r);
    if (input.includeUser && !input.includeUser(ref)) continue;
    const name = roles.name(r.role_id, r.role_name) ?? r.role_id;
    const role = roles.translate(name);
    if (!role) yield { kind: 'unresolved', reason: UNRESOLVED.role, subject: name };
    const user = await input.resolveUser(ref);
    if (!user) yield { kind: 'unresolved', reason: UNRESOLVED.user, subject: r.user_id };
    if (!role || !user) continue;
    if (compare(['r', name, user.userId].join(SEP))) yield { kind: 'unchanged', type: 'role-member' };
    else yield { kind: 'op', op: { type: 'role-member', action: 'add', role, user } };
  }
  for await (const m of input.snapshotOrgMembers) {
    throwIfAborted(signal);
    const ref = userRef(m);
    if (input.includeUser && !input.includeUser(ref)) continue;
    const orgName = orgs.name(m.org_id, m.org_name) ?? m.org_id;
    const org = orgs.translate(orgName);
    if (!org) yield { kind: 'unresolved', reason: UNRESOLVED.org, subject: orgName };
    const user = await input.resolveUser(ref);
    if (!user) yield { kind: 'unresolved', reason: UNRESOLVED.user, subject: m.user_id };
    if (!org || !user) continue;
    if (compare(['o', orgName, user.userId].join(SEP))) yield { kind: 'unchanged', type: 'org-member' };
    else yield { kind: 'op', op: { type: 'org-member', action: 'add', org, user } };
    for (const r of m.roles) {
      const roleName = roles.name(r.id, r.name) ?? r.id;
      const role = roles.translate(roleName);
      if (!role) {
        yield { kind: 'unresolved', reason: UNRESOLVED.role, subject: roleName };
        continue;
      }
      if (compare(['m', orgName, user.userId, roleName].join(SEP))) yield { kind: 'unchanged', type: 'org-member-role' };
      else yield { kind: 'op', op: { type: 'org-member-role', action: 'add', org, role, user } };
    }
  }
  if (input.allowDelete) yield* removals(target, roles, orgs, input);
}

function userRef(r: { user_id: string; email?: string }): UserRef {
  return r.email === undefined ? { user_id: r.user_id } : { user_id: r.user_id, email: r.email };
}

function* removals(target: Map<string, boolean>, roles: Translator, orgs: Translator, input: MembershipDiffInput): Generator<MembershipEvent> {
  const removedMembers = new Set<string>();
  for (const [key, seen] of target) {
    if (seen) continue;
    const [kind = '', scope = '', userId = ''] = key.split(SEP);
    if (input.includeUser && !input.includeUser({ user_id: userId })) continue;
    const user = { userId };
    if (kind === 'r' && roles.knows(scope)) {
      yield { kind: 'op', op: { type: 'role-member', action: 'remove', role: roles.translate(scope) ?? { name: scope }, user } };
    } else if (kind === 'o' && orgs.knows(scope)) {
      removedMembers.add(`${scope}${SEP}${userId}`);
      yield { kind: 'op', op: { type: 'org-member', action: 'remove', org: orgs.translate(scope) ?? { name: scope }, user } };
    }
  }
  for (const [key, seen] of target) {
    const [kind = '', scope = '', userId = '', roleName = ''] = key.split(SEP);
    if (seen || kind !== 'm' || !orgs.knows(scope) || removedMembers.has(`${scope}${SEP}${userId}`)) continue;
    if (input.includeUser && !input.includeUser({ user_id: userId })) continue;
    const org = orgs.translate(scope) ?? { name: scope };
    yield { kind: 'op', op: { type: 'org-member-role', action: 'remove', org, role: roles.translate(roleName) ?? { name: roleName }, user: { userId } } };
  }
}

export interface MembershipDiffSummary {
  plan: MembershipsPlan;
  targetDigest: string;
}

/** Consumes diffMemberships into counts and grouped unresolved references (a few examples each). */
export async function summarizeMemberships(events: AsyncIterable<MembershipEvent>, sampleSize = 5): Promise<MembershipDiffSummary> {
  const zero = (): MembershipCounts => ({ add: 0, remove: 0, unchanged: 0 });
  const plan: MembershipsPlan = { roleMembers: zero(), orgMembers: zero(), orgMemberRoles: zero(), unresolved: [] };
  const pick = (type: MembershipOp['type']) => (type === 'role-member' ? plan.roleMembers : type === 'org-member' ? plan.orgMembers : plan.orgMemberRoles);
  const groups = new Map<string, CountSample>();
  let targetDigest = '';
  for await (const e of events) {
    if (e.kind === 'target-digest') targetDigest = e.digest;
    else if (e.kind === 'unchanged') pick(e.type).unchanged++;
    else if (e.kind === 'op') pick(e.op.type)[e.op.action === 'add' ? 'add' : 'remove']++;
    else {
      const g = groups.get(e.reason) ?? { reason: e.reason, count: 0, sample: [] };
      g.count++;
      if (g.sample.length < sampleSize && !g.sample.includes(e.subject)) g.sample.push(e.subject);
      groups.set(e.reason, g);
    }
  }
  plan.unresolved = [...groups.values()].sort((a, b) => b.count - a.count);
  return { plan, targetDigest };
}

/**
 * A resolver over a users diff: the same user_id when the target has it, the target's user_id
 * for users matched by email, `pending` for database users the users step will import
 * (`willImport`), else undefined.
 */
export function resolverFromUsersDiff(
  diff: { hasTargetUser(userId: string): boolean; emailMatches: ReadonlyMap<string, string> },
  willImport: (ref: UserRef) => boolean,
): (ref: UserRef) => UserResolution {
  return (ref) => {
    if (diff.hasTargetUser(ref.user_id)) return { userId: ref.user_id };
    const matched = diff.emailMatches.get(ref.user_id);
    if (matched !== undefined) return { userId: matched };
    return willImport(ref) ? { userId: ref.user_id, pending: true } : undefined;
  };
}
