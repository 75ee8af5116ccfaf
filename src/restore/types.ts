/**
 * The restore plan: what a restore of one snapshot into one target would do, computed by the
 * pure `planRestore` (plan.ts) and applied by the apply engine. Its JSON form (`--json`,
 * `--out plan.json`) is this type serialised as is; docs/restore-plan.md describes every field.
 *
 * Absent values: a FieldChange without `from` means the target lacks the field; without `to`,
 * the snapshot lacks it (only reported by `a0vault diff`). Counts are exact; samples are short.
 */
import type { RestoreStep } from './order.js';

export const PLAN_FORMAT_VERSION = 1;

/** A parsed deploy-cli tenant.yaml: resource type → object (singletons) or array of objects. */
export type ConfigDoc = Record<string, unknown>;
export type ConfigObject = Record<string, unknown>;

export type UsersMode = 'upsert' | 'insert' | 'skip';

export interface FieldChange {
  /** Dotted path inside the object (`options.mfa.active`); arrays are compared whole. */
  path: string;
  /** Value in the target now (absent: the target lacks the field). */
  from?: unknown;
  /** Value the restore writes (absent: the snapshot lacks the field). */
  to?: unknown;
}

export interface ObjectUpdate {
  /** The object's natural identifier (name, identifier, client → audience, …; the type for singletons). */
  name: string;
  changes: FieldChange[];
}

export interface OnlyInTarget {
  name: string;
  /** True only with allowDelete and when the object is not protected. */
  willDelete: boolean;
}

export interface TypeDiff {
  /** Whole objects as the restore sends them (secret-looking values redacted). */
  create: ConfigObject[];
  update: ObjectUpdate[];
  unchanged: number;
  onlyInTarget: OnlyInTarget[];
}

/** A group of items left out or not resolvable for the same reason. */
export interface CountSample {
  reason: string;
  count: number;
  /** At most a few examples (user ids, names). */
  sample: string[];
}

export interface ConnectionCounts {
  insert: number;
  update: number;
  unchanged: number;
}

export interface UsersPlan {
  /** Snapshot users (after selection) that are importable and absent from the target. */
  insert: number;
  /** Importable users present in the target with a different value of a comparable field. */
  update: number;
  unchanged: number;
  /** Of `update`: matched by email (same connection) because the target's user_id differs. */
  matchedByEmail: number;
  /** Target users (after selection) absent from the snapshot; a restore never deletes users. */
  onlyInTarget: number;
  /** How many updated users changed each comparable field. */
  changedFields: Record<string, number>;
  /** Of those, changes a bulk import with upsert cannot write (blocked, email, username, phone_number). */
  notUpsertable: Record<string, number>;
  notImportable: CountSample[];
  byConnection: Record<string, ConnectionCounts>;
  sample: { insert: string[]; update: string[]; onlyInTarget: string[] };
}

export interface MembershipCounts {
  add: number;
  /** Only non-zero with allowDelete. */
  remove: number;
  unchanged: number;
}

export interface MembershipsPlan {
  roleMembers: MembershipCounts;
  orgMembers: MembershipCounts;
  orgMemberRoles: MembershipCounts;
  /** Snapshot memberships whose role, organization or user has no counterpart in the target. */
  unresolved: CountSample[];
}

export interface PlanSelection {
  only?: string[];
  exclude?: string[];
  user?: string;
  connection?: string;
}

export interface PlanOptions {
  allowDelete: boolean;
  maxDeletes: number;
  users: UsersMode;
}

export interface PlanSummary {
  /** creates + updates + deletes: objects, users and memberships that would change. */
  changes: number;
  /** Config objects created + users inserted + memberships added. */
  creates: number;
  /** Config objects updated + users updated (upsert only). */
  updates: number;
  /** Config objects deleted + memberships removed (both only with allowDelete). */
  deletes: number;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  snapshot: { id: string; tenant: string };
  target: { domain: string };
  /** ISO time the plan was made (given by the caller: planning is pure). */
  createdAt: string;
  selection: PlanSelection;
  options: PlanOptions;
  /** Steps in the order they run (configuration, users, memberships), limited to the selection. */
  steps: RestoreStep[];
  config: Record<string, TypeDiff>;
  users: UsersPlan;
  memberships: MembershipsPlan;
  /** Fields that cannot be compared (masked or never returned), each listed once. */
  cannotCompare: string[];
  warnings: string[];
  summary: PlanSummary;
  /** sha256 of the canonical target state the plan was computed from. */
  targetFingerprint: string;
}
