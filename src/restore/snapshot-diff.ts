/**
 * `a0vault diff A B`: what differs between two snapshots (B relative to A), per configuration
 * type (added / removed / changed objects with the changed fields), users (added / removed /
 * changed counts with a sample and the fields that changed) and memberships.
 *
 * Users are compared by user_id with a per-field fingerprint of what a restore can write
 * (users-diff.ts COMPARABLE_FIELDS), so A's users cost ~100 bytes each in memory and B is
 * streamed. Memberships are compared as sets of (role or organization name, user_id).
 * Masked secrets are not differences; they are listed once under cannotCompare.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../archive/manifest.js';
import { diffConfig, isPlainObject, objectKey } from './config-diff.js';
import { COMPARABLE_FIELDS, comparableValues } from './users-diff.js';
import type { LoadedSnapshot } from './snapshot-state.js';
import { retargetAudience } from './tenant-audience.js';

export interface TypeChanges {
  added: string[];
  removed: string[];
  changed: { name: string; fields: string[] }[];
}

export interface SetChanges {
  added: number;
  removed: number;
}

export interface SnapshotDiff {
  from: { id: string; tenant: string };
  to: { id: string; tenant: string };
  config: Record<string, TypeChanges>;
  cannotCompare: string[];
  users: {
    added: number;
    removed: number;
    changed: number;
    unchanged: number;
    changedFields: Record<string, number>;
    sample: { added: string[]; removed: string[]; changed: { user_id: string; fields: string[] }[] };
  };
  memberships: { roleMembers: SetChanges; organizationMembers: SetChanges; organizationMemberRoles: SetChanges };
  /** Total of added, removed and changed objects, users and memberships. */
  changes: number;
}

function fieldPrints(record: Record<string, unknown>): Uint32Array {
  const values = comparableValues(record);
  const out = new Uint32Array(values.length);
  values.forEach((v, i) => {
    out[i] = createHash('sha1').update(canonicalJson(v ?? null)).digest().readUInt32BE(0);
  });
  return out;
}

async function diffUsersById(a: LoadedSnapshot, b: LoadedSnapshot, sampleSize: number): Promise<SnapshotDiff['users']> {
  const before = new Map<string, Uint32Array>();
  for await (const r of a.users()) {
    if (isPlainObject(r) && typeof r.user_id === 'string') before.set(r.user_id, fieldPrints(r));
  }
  const out: SnapshotDiff['users'] = { added: 0, removed: 0, changed: 0, unchanged: 0, changedFields: {}, sample: { added: [], removed: [], changed: [] } };
  for await (const r of b.users()) {
    if (!isPlainObject(r) || typeof r.user_id !== 'string') continue;
    const prev = before.get(r.user_id);
    if (!prev) {
      out.added++;
      if (out.sample.added.length < sampleSize) out.sample.added.push(r.user_id);
      continue;
    }
    before.delete(r.user_id);
    const now = fieldPrints(r);
    const fields = COMPARABLE_FIELDS.filter((_, i) => now[i] !== prev[i]);
    if (fields.length === 0) {
      out.unchanged++;
      continue;
    }
    out.changed++;
    for (const f of fields) out.changedFields[f] = (out.changedFields[f] ?? 0) + 1;
    if (out.sample.changed.length < sampleSize) out.sample.changed.push({ user_id: r.user_id, fields: [...fields] });
  }
  out.removed = before.size;
  out.sample.removed = [...before.keys()].slice(0, sampleSize);
  return out;
}

async function membershipKeys(records: AsyncIterable<unknown>, kind: 'role' | 'org'): Promise<{ members: Set<string>; roles: Set<string> }> {
  const members = new Set<string>();
  const roles = new Set<string>();
  for await (const r of records) {
    if (!isPlainObject(r) || typeof r.user_id !== 'string') continue;
    const group = String(kind === 'role' ? r.role_name : r.org_name);
    members.add(`${group}\u0000${r.user_id}`);
    if (kind === 'org' && Array.isArray(r.roles)) {
      for (const role of r.roles) if (isPlainObject(role)) roles.add(`${group}\u0000${r.user_id}\u0000${String(role.name)}`);
    }
  }
  return { members, roles };
}

function setChanges(a: Set<string>, b: Set<string>): SetChanges {
  let added = 0;
  for (const k of b) if (!a.has(k)) added++;
  let removed = 0;
  for (const k of a) if (!b.has(k)) removed++;
  return { added, removed };
}

export async function diffSnapshots(a: LoadedSnapshot, b: LoadedSnapshot, options: { sampleSize?: number } = {}): Promise<SnapshotDiff> {
  const sampleSize = options.sampleSize ?? 5;
  // B is the "snapshot" side and A the "target" side: create = added in B, onlyInTarget = removed
  // across tenants, each tenant's own Management API audience is the same API (tenant-audience.ts)
  const cfg = diffConfig(retargetAudience(b.config, b.tenant, a.tenant), a.config, { allowDelete: true, fieldsOnlyInTarget: 'report' });
  const config: Record<string, TypeChanges> = {};
  for (const [type, d] of Object.entries(cfg.types)) {
    const t: TypeChanges = {
      added: d.create.map((o) => objectKey(type, o) ?? '(unnamed)'),
      removed: d.onlyInTarget.map((o) => o.name),
      changed: d.update.map((u) => ({ name: u.name, fields: u.changes.map((c) => c.path) })),
    };
    if (t.added.length + t.removed.length + t.changed.length > 0) config[type] = t;
  }
  const users = await diffUsersById(a, b, sampleSize);
  const [ra, rb] = [await membershipKeys(a.roleMembers(), 'role'), await membershipKeys(b.roleMembers(), 'role')];
  const [oa, ob] = [await membershipKeys(a.organizationMembers(), 'org'), await membershipKeys(b.organizationMembers(), 'org')];
  const memberships = {
    roleMembers: setChanges(ra.members, rb.members),
    organizationMembers: setChanges(oa.members, ob.members),
    organizationMemberRoles: setChanges(oa.roles, ob.roles),
  };
  const configChanges = Object.values(config).reduce((n, t) => n + t.added.length + t.removed.length + t.changed.length, 0);
  const membershipChanges = Object.values(memberships).reduce((n, s) => n + s.added + s.removed, 0);
  return {
    from: { id: a.id, tenant: a.tenant },
    to: { id: b.id, tenant: b.tenant },
    config,
    cannotCompare: cfg.cannotCompare,
    users,
    memberships,
    changes: configChanges + users.added + users.removed + users.changed + membershipChanges,
  };
}
