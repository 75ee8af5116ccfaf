/**
 * planRestore: what restoring one snapshot into one target would do. Pure: every input has
 * already been read (config documents, the users comparison, the membership comparison), and
 * the same inputs always give the same plan (the time is an input too).
 *
 * Algorithm:
 * 1. Safety: the snapshot's tenant must be the target unless `toOtherTenant` (SafetyError).
 * 2. Selection → steps (order.ts) and the config types managed.
 * 3. Config: diffConfig on the managed types (deletes only with allowDelete; `--connection`
 *    narrows databases/connections to that object).
 * 4. Users and memberships: the comparisons the caller computed, with the users mode applied.
 * 5. Summary (creates, updates, deletes, changes), the target fingerprint, then the delete
 *    budget: more deletes than maxDeletes is a SafetyError (unless `enforceSafety: false`, for
 *    printing a refused plan).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { canonicalJson } from '../archive/manifest.js';
import { A0vaultError, SafetyError } from '../core/errors.js';
import { diffConfig, isPlainObject } from './config-diff.js';
import type { MembershipDiffSummary } from './membership-diff.js';
import { resolveSelection, type ResolvedSelection } from './order.js';
import { PLAN_FORMAT_VERSION, type ConfigDoc, type MembershipsPlan, type Plan, type PlanSelection, type PlanSummary, type UsersMode, type UsersPlan } from './types.js';

export interface SnapshotState {
  id: string;
  /** The snapshot's tenant domain (from its manifest). */
  tenant: string;
  /** Its tenant.yaml, parsed, keyword markers replaced, referenced files inlined. */
  config: ConfigDoc;
}

/** The users comparison (users-diff.ts) as planning needs it. */
export type UsersComparison = UsersPlan & { targetDigest: string };

export interface TargetState {
  domain: string;
  /** A fresh deploy-cli dump of the target, prepared like the snapshot's. */
  config: ConfigDoc;
  /** Required when the users step is selected. */
  users?: UsersComparison;
  /** Required when the memberships step is selected. */
  memberships?: MembershipDiffSummary;
}

export interface PlanRestoreOptions {
  createdAt: Date | string;
  selection?: PlanSelection;
  allowDelete?: boolean;
  maxDeletes?: number;
  users?: UsersMode;
  toOtherTenant?: boolean;
  /** Never deleted, by type and key: e.g. `{ clients: ['a0vault'] }` (the client a0vault runs as). */
  protect?: Record<string, readonly string[]>;
  /** false: return a plan over the delete budget instead of throwing (to print it). Default true. */
  enforceSafety?: boolean;
}

/** User fields the API never exports, so a restore can never compare them (docs/restore-plan.md). */
export const USERS_CANNOT_COMPARE: readonly string[] = ['users.password_hash', 'users.mfa_factors'];

const sameDomain = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Refuses a restore into a tenant other than the snapshot's unless `toOtherTenant`. */
export function checkTargetTenant(snapshotTenant: string, targetDomain: string, toOtherTenant: boolean): void {
  if (sameDomain(snapshotTenant, targetDomain) || toOtherTenant) return;
  throw new SafetyError(`snapshot of ${snapshotTenant} would be restored into ${targetDomain}: pass --to-other-tenant to allow it`, {
    details: { snapshotTenant, targetDomain },
  });
}

/** Refuses a plan with more deletes than its maxDeletes. */
export function checkDeleteBudget(plan: Pick<Plan, 'summary' | 'options'>): void {
  const { deletes } = plan.summary;
  if (deletes <= plan.options.maxDeletes) return;
  throw new SafetyError(`the plan deletes ${deletes} object(s) or membership(s), more than --max-deletes ${plan.options.maxDeletes}`, {
    details: { deletes, maxDeletes: plan.options.maxDeletes },
  });
}

/** Refuses to apply a saved plan when the target's state changed since it was made. */
export function checkPlanStillApplies(plan: Pick<Plan, 'targetFingerprint'>, currentFingerprint: string): void {
  if (plan.targetFingerprint === currentFingerprint) return;
  throw new SafetyError('the target changed since the plan was made: make a new plan', {
    details: { planned: plan.targetFingerprint, current: currentFingerprint },
  });
}

/**
 * sha256 of the canonical target state a plan depends on: the domain, the managed config types
 * of the target's dump, and the digests of its users and memberships (when those steps run).
 */
export function computeTargetFingerprint(target: TargetState, selection: ResolvedSelection): string {
  const steps = new Set(selection.steps.map((s) => s.type));
  const config = Object.fromEntries(selection.configTypes.filter((t) => target.config[t] !== undefined).map((t) => [t, target.config[t]]));
  const state = {
    domain: target.domain.trim().toLowerCase(),
    config,
    users: steps.has('users') ? (target.users?.targetDigest ?? null) : null,
    memberships: steps.has('memberships') ? (target.memberships?.targetDigest ?? null) : null,
  };
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}

function emptyUsers(): UsersPlan {
  return {
    insert: 0, update: 0, unchanged: 0, matchedByEmail: 0, onlyInTarget: 0, changedFields: {}, notUpsertable: {},
    notImportable: [], byConnection: {}, sample: { insert: [], update: [], onlyInTarget: [] },
  };
}

function emptyMemberships(): MembershipsPlan {
  const zero = () => ({ add: 0, remove: 0, unchanged: 0 });
  return { roleMembers: zero(), orgMembers: zero(), orgMemberRoles: zero(), unresolved: [] };
}

function usersPlanOf(c: UsersComparison): UsersPlan {
  const { insert, update, unchanged, matchedByEmail, onlyInTarget, changedFields, notUpsertable, notImportable, byConnection, sample } = c;
  return structuredClone({ insert, update, unchanged, matchedByEmail, onlyInTarget, changedFields, notUpsertable, notImportable, byConnection, sample });
}

function databaseNames(doc: ConfigDoc): Set<string> {
  const list = Array.isArray(doc.databases) ? doc.databases : [];
  return new Set(list.filter(isPlainObject).map((d) => d.name).filter((n): n is string => typeof n === 'string'));
}

function usersWarnings(users: UsersPlan, mode: UsersMode, snapshot: ConfigDoc, target: ConfigDoc): string[] {
  const out: string[] = [];
  if (mode === 'insert' && users.update > 0) out.push(`${users.update} user(s) differ from the target but --users insert leaves existing users unchanged`);
  if (mode === 'skip' && users.insert + users.update > 0) out.push(`--users skip: ${users.insert} missing and ${users.update} changed user(s) are not restored`);
  const notUpsertable = Object.entries(users.notUpsertable).filter(([, n]) => n > 0);
  if (mode === 'upsert' && notUpsertable.length > 0) {
    out.push(`an import with upsert cannot change ${notUpsertable.map(([f, n]) => `${f} (${n} user(s))`).join(', ')}; those fields keep the target's value`);
  }
  const known = new Set([...databaseNames(snapshot), ...databaseNames(target)]);
  for (const connection of Object.keys(users.byConnection).sort()) {
    if (!known.has(connection)) out.push(`users of connection ${connection}: no database connection of that name in the snapshot or the target; their import will fail`);
  }
  return out;
}

function summarize(plan: Omit<Plan, 'summary' | 'targetFingerprint'>, steps: Set<string>): PlanSummary {
  let creates = 0;
  let updates = 0;
  let deletes = 0;
  for (const diff of Object.values(plan.config)) {
    creates += diff.create.length;
    updates += diff.update.length;
    deletes += diff.onlyInTarget.filter((o) => o.willDelete).length;
  }
  if (steps.has('users')) {
    if (plan.options.users !== 'skip') creates += plan.users.insert;
    if (plan.options.users === 'upsert') updates += plan.users.update;
  }
  for (const m of [plan.memberships.roleMembers, plan.memberships.orgMembers, plan.memberships.orgMemberRoles]) {
    creates += m.add;
    deletes += m.remove;
  }
  return { changes: creates + updates + deletes, creates, updates, deletes };
}

/** The restore plan for `snapshot` into `target` (see the algorithm at the top of this file). */
export function planRestore(snapshot: SnapshotState, target: TargetState, options: PlanRestoreOptions): Plan {
  checkTargetTenant(snapshot.tenant, target.domain, options.toOtherTenant ?? false);
  const selectionIn = options.selection ?? {};
  const selection = resolveSelection(selectionIn);
  const steps = new Set(selection.steps.map((s) => s.type));
  const allowDelete = options.allowDelete ?? false;
  const maxDeletes = options.maxDeletes ?? 0;
  const usersMode = options.users ?? 'upsert';
  if (!Number.isSafeInteger(maxDeletes) || maxDeletes < 0) throw new A0vaultError('usage', `--max-deletes must be a whole number ≥ 0, not ${maxDeletes}`);
  const connection = selectionIn.connection;
  const config = steps.has('config')
    ? diffConfig(snapshot.config, target.config, {
        types: selection.configTypes,
        allowDelete,
        ...(options.protect ? { protect: options.protect } : {}),
        ...(connection !== undefined ? { objectFilter: (type: string, key: string) => !['databases', 'connections'].includes(type) || key === connection } : {}),
      })
    : { types: {}, cannotCompare: [], warnings: [] };
  if (steps.has('users') && !target.users) throw new A0vaultError('internal', 'planRestore: the users step is selected but no users comparison was given');
  if (steps.has('memberships') && !target.memberships) throw new A0vaultError('internal', 'planRestore: the memberships step is selected but no membership comparison was given');
  const users = steps.has('users') && target.users ? usersPlanOf(target.users) : emptyUsers();
  const memberships = steps.has('memberships') && target.memberships ? structuredClone(target.memberships.plan) : emptyMemberships();
  if (!allowDelete) for (const m of [memberships.roleMembers, memberships.orgMembers, memberships.orgMemberRoles]) m.remove = 0;
  const createdAt = typeof options.createdAt === 'string' ? options.createdAt : options.createdAt.toISOString();
  const partial: Omit<Plan, 'summary' | 'targetFingerprint'> = {
    formatVersion: PLAN_FORMAT_VERSION,
    snapshot: { id: snapshot.id, tenant: snapshot.tenant },
    target: { domain: target.domain },
    createdAt,
    selection: structuredClone(selectionIn),
    options: { allowDelete, maxDeletes, users: usersMode },
    steps: selection.steps,
    config: config.types,
    users,
    memberships,
    cannotCompare: [...config.cannotCompare, ...(steps.has('users') ? USERS_CANNOT_COMPARE : [])],
    warnings: [...config.warnings, ...(steps.has('users') ? usersWarnings(users, usersMode, snapshot.config, target.config) : [])],
  };
  const plan: Plan = { ...partial, summary: summarize(partial, steps), targetFingerprint: computeTargetFingerprint(target, selection) };
  if (options.enforceSafety !== false) checkDeleteBudget(plan);
  return plan;
}

export const PLAN_SCHEMA_URL = new URL('../../schemas/plan.schema.json', import.meta.url);
let planValidator: ValidateFunction | undefined;

/** Problems of `value` as a plan (schemas/plan.schema.json); empty when it is one. */
export function planProblems(value: unknown): string[] {
  if (!planValidator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    formatsModule.default(ajv);
    planValidator = ajv.compile(JSON.parse(readFileSync(PLAN_SCHEMA_URL, 'utf8')) as object);
  }
  if (planValidator(value)) return [];
  return (planValidator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** Reads a saved plan (`--plan plan.json`); a file that is not a valid plan is a usage error naming `source`. */
export function parsePlan(text: string, source: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new A0vaultError('usage', `${source} is not JSON`, { cause: err, details: { source } });
  }
  const problems = planProblems(value);
  if (problems.length > 0) throw new A0vaultError('usage', `${source} is not an a0vault plan: ${problems.slice(0, 5).join('; ')}`, { details: { source, problems } });
  return value as Plan;
}
