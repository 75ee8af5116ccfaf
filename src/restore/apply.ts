/**
 * applyPlan: the effects of a restore, step by step in the plan's order (order.ts):
 *
 * 1. Configuration: the snapshot's config files are written to a private temp folder and
 *    deployed with deploy-cli (only the managed types; deletes only when the plan allows
 *    them). Masked secrets (`##KEY##`) without a keyword mapping are removed from the
 *    document first, so deploy-cli never writes a placeholder over a real secret: the
 *    target keeps its value (and a created object lacks it: reported as a warning).
 *    Skipped when the plan changes no config object.
 * 2. Users: per database connection, the users the plan inserts (and, with upsert, updates)
 *    are packed into import files (import-packer.ts) and run through both import slots
 *    (import-runner.ts); every job is journalled when it starts and when it ends.
 * 3. Memberships: the target's memberships and ids are read again (roles and organizations
 *    the config step created now have ids) and compared once more with the snapshot, so only
 *    missing memberships are added, also after a resume.
 * Each finished step is journalled; a resumed restore skips finished steps.
 *
 * Item failures go to the report; a failure that stops a step throws (the caller records it).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument, isScalar, visit } from 'yaml';
import { objectKey } from './config-diff.js';
import { throwIfAborted } from '../core/abort.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import type { ManagementApi } from '../auth0/client.js';
import { entryPathProblem, configEntryPath } from '../archive/layout.js';
import { orgMemberRecords, roleMemberRecords, type OrgMemberRecord, type RoleMemberRecord } from '../snapshot/memberships.js';
import type { TenantReader } from '../snapshot/types.js';
import { applyMemberships, toMembershipAdds, type MembershipAdd, type MembershipTotals } from './apply-memberships.js';
import { willImportUser } from './compare.js';
import { ImportPacker, type ImportFile, type PackerOptions } from './import-packer.js';
import { runImports, type ImportRunResult } from './import-runner.js';
import type { RestoreJournal } from './journal.js';
import { diffMemberships, resolverFromUsersDiff } from './membership-diff.js';
import { resolveSelection, CONFIG_TYPES } from './order.js';
import type { RestoreReport } from './report.js';
import type { LoadedSnapshot } from './snapshot-state.js';
import type { Plan } from './types.js';
import type { UsersDiffResult } from './users-diff.js';
import type { Clock } from '../core/abort.js';

/** Applies a deploy-cli tenant.yaml to the target (wiring.ts runs deploy-cli in its child process). */
export interface ConfigDeployer {
  deploy(o: { inputFile: string; includedOnly?: string[]; allowDelete: boolean; keywordMappings: Record<string, string | string[]>; signal: AbortSignal }): Promise<void>;
}

export interface ImportTuning {
  slots?: number;
  pollStartMs?: number;
  pollMaxMs?: number;
  slotWaitMs?: number;
  maxBytes?: number;
}

export interface ApplyOptions {
  plan: Plan;
  snapshot: LoadedSnapshot;
  /** Present when the plan has a users or memberships step. */
  usersDiff?: UsersDiffResult;
  /** Config files to deploy (the snapshot's, or a clone's rewritten copy). */
  configFiles: ReadonlyMap<string, string>;
  keywordMappings?: Record<string, string | string[]>;
  api: ManagementApi;
  reader: TenantReader;
  deployer: ConfigDeployer;
  journal: RestoreJournal;
  report: RestoreReport;
  signal: AbortSignal;
  clock: Clock;
  progress?: ProgressReporter;
  passwordHashes?: PackerOptions['passwordHashes'];
  tmpRoot?: string;
  imports?: ImportTuning;
}

export interface ApplyResult {
  configDeployed: boolean;
  imports?: ImportRunResult;
  memberships?: MembershipTotals;
}

const MASKED = /^##[A-Za-z0-9_]+##$/;

/**
 * Secrets an object cannot be created without, per type (Auth0 log stream sinks: a Datadog
 * stream needs its API key, Splunk its token…; an HTTP stream's authorization is optional).
 */
export const SECRET_REQUIRED_ON_CREATE: Readonly<Record<string, ReadonlySet<string>>> = {
  logStreams: new Set(['datadogApiKey', 'splunkToken', 'segmentWriteKey', 'mixpanelServiceAccountPassword']),
};

/**
 * tenant.yaml without masked secrets that no keyword mapping fills (see the top of this file),
 * and, for `--connection`, without the other connections. An object of SECRET_REQUIRED_ON_CREATE
 * that lost a secret and that the restore would create (`created`: names per type) is left out
 * whole: Auth0 would refuse it, and deploy-cli would stop the whole deploy there.
 * Returns the text, the removed paths and the objects left out.
 */
export function prepareDeployYaml(
  text: string,
  o: { keywordMappings: Record<string, unknown>; connection?: string; created?: Record<string, ReadonlySet<string>> },
): { text: string; removed: string[]; skipped: { type: string; name: string }[] } {
  const doc = parseDocument(text);
  const removed: string[] = [];
  const skipped: { type: string; name: string }[] = [];
  const emptied = new Set<unknown>();
  const lostSecret = new Map<unknown, string>(); // top-level list item → its type
  visit(doc, {
    Pair(_key, pair, pathNodes) {
      if (!isScalar(pair.value) || typeof pair.value.value !== 'string' || !MASKED.test(pair.value.value)) return undefined;
      const keyword = pair.value.value.slice(2, -2);
      if (Object.hasOwn(o.keywordMappings, keyword)) return undefined;
      const where = pathNodes.map((n) => (isScalar((n as { key?: unknown }).key) ? String(((n as { key: { value: unknown } }).key).value) : '')).filter(Boolean);
      removed.push([...where, isScalar(pair.key) ? String(pair.key.value) : '?'].join('.'));
      emptied.add(pathNodes[pathNodes.length - 1]);
      // path: Document, root map, Pair(type), list, item map, …
      const top = pathNodes[2] as { key?: unknown } | undefined;
      const type = isScalar(top?.key) ? String(top.key.value) : '';
      const field = isScalar(pair.key) ? String(pair.key.value) : '';
      if (SECRET_REQUIRED_ON_CREATE[type]?.has(field) && pathNodes[4] !== undefined) lostSecret.set(pathNodes[4], type);
      return visit.REMOVE;
    },
  });
  for (const [item, type] of lostSecret) {
    const name = (item as { get?: (k: string) => unknown }).get?.('name');
    if (typeof name !== 'string' || !o.created?.[type]?.has(name)) continue;
    const list = doc.get(type) as { items?: unknown[] } | undefined;
    if (list?.items) list.items = list.items.filter((x) => x !== item);
    skipped.push({ type, name });
  }
  // a map left empty by the removal (`credentials: {}`) would be sent as an empty object and
  // could clear the target's value: drop the key instead, so the target keeps it
  visit(doc, {
    Pair(_key, pair) {
      const value = pair.value as { items?: unknown[] } | null;
      return emptied.has(value) && value?.items?.length === 0 ? visit.REMOVE : undefined;
    },
  });
  if (o.connection !== undefined) {
    for (const type of ['databases', 'connections']) {
      const list = doc.get(type) as { items?: unknown[] } | undefined;
      if (!list?.items) continue;
      list.items = list.items.filter((item) => (item as { get?: (k: string) => unknown }).get?.('name') === o.connection);
    }
  }
  return { text: doc.toString(), removed, skipped };
}

function configChanges(plan: Plan): number {
  return Object.values(plan.config).reduce((n, d) => n + d.create.length + d.update.length + d.onlyInTarget.filter((x) => x.willDelete).length, 0);
}

async function applyConfig(o: ApplyOptions): Promise<boolean> {
  const progress = o.progress ?? silentProgress;
  const { plan } = o;
  if (configChanges(plan) === 0) return false;
  const mappings = o.keywordMappings ?? {};
  const dir = await mkdtemp(path.join(o.tmpRoot ?? tmpdir(), 'a0vault-deploy-'));
  const skippedCount = new Map<string, number>();
  try {
    for (const [rel, text] of o.configFiles) {
      const problem = entryPathProblem(configEntryPath(rel));
      if (problem !== undefined) throw new Error(`config file ${rel}: ${problem}`);
      const file = path.join(dir, rel);
      await mkdir(path.dirname(file), { recursive: true });
      let body = text;
      if (rel === 'tenant.yaml') {
        const created = Object.fromEntries(Object.entries(plan.config).map(([type, d]) => [type, new Set(d.create.map((c) => objectKey(type, c)).filter((n): n is string => n !== undefined))]));
        const prepared = prepareDeployYaml(text, { keywordMappings: mappings, created, ...(plan.selection.connection !== undefined ? { connection: plan.selection.connection } : {}) });
        body = prepared.text;
        for (const x of prepared.skipped) {
          skippedCount.set(x.type, (skippedCount.get(x.type) ?? 0) + 1);
          o.report.count(`config:${x.type}`, { failed: 1 });
          o.report.itemError({ type: `config:${x.type}`, item: x.name, codes: ['SECRET_MASKED'], message: `not created: its secret is masked in the snapshot; give it with --keyword-mappings` });
        }
        if (prepared.removed.length > 0) {
          o.report.warn('config', `${prepared.removed.length} masked secret(s) were not sent (the target keeps its value; new objects lack it): ${prepared.removed.join(', ')}`, { fields: prepared.removed });
        }
      }
      await writeFile(file, body, { mode: 0o600 });
    }
    const types = resolveSelection(plan.selection).configTypes;
    const includedOnly = types.length === CONFIG_TYPES.length ? undefined : types;
    progress.emit({ type: 'phase', phase: 'config', message: `deploying configuration (${configChanges(plan)} change(s)) with deploy-cli` });
    // --connection restores one connection: never let deploy-cli delete the others
    const allowDelete = plan.options.allowDelete && plan.selection.connection === undefined;
    await o.deployer.deploy({ inputFile: path.join(dir, 'tenant.yaml'), ...(includedOnly ? { includedOnly } : {}), allowDelete, keywordMappings: mappings, signal: o.signal });
    for (const [type, d] of Object.entries(plan.config)) {
      const notCreated = skippedCount.get(type) ?? 0;
      o.report.count(`config:${type}`, { inserted: d.create.length - notCreated, updated: d.update.length });
    }
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function* importFiles(o: ApplyOptions, connections: string[], wanted: Set<string>): AsyncGenerator<ImportFile> {
  const diff = o.usersDiff;
  if (!diff) return;
  // the packer asks include then isInsert about the same record: compute its status once
  let last: { record: Record<string, unknown>; status: string } | undefined;
  const statusOf = (record: Record<string, unknown>): string => (last?.record === record ? last.status : (last = { record, status: diff.statusOf(record) }).status);
  for (const connection of connections) {
    const packer = new ImportPacker({
      connection,
      signal: o.signal,
      ...(o.imports?.maxBytes !== undefined ? { maxBytes: o.imports.maxBytes } : {}),
      include: (record) => wanted.has(statusOf(record)),
      // a retried job reports the users its failed attempt inserted as updated (import-runner.ts)
      isInsert: (record) => statusOf(record) === 'insert',
      ...(o.passwordHashes ? { passwordHashes: o.passwordHashes } : {}),
      onReject: (r) => {
        o.report.count(`users:${r.connection}`, { failed: 1 });
        o.report.itemError({ type: 'users', item: r.userId, codes: ['NOT_IMPORTABLE'], message: r.reason });
      },
    });
    yield* packer.pack(o.snapshot.users());
  }
}

async function applyUsers(o: ApplyOptions): Promise<ImportRunResult | undefined> {
  const { plan } = o;
  const mode = plan.options.users;
  for (const g of plan.users.notImportable) o.report.warn('users', `${g.count} user(s) not restored: ${g.reason}`, { sample: g.sample });
  if (mode === 'skip') return undefined;
  const wanted = new Set(mode === 'upsert' ? ['insert', 'update'] : ['insert']);
  const connections = Object.entries(plan.users.byConnection)
    .filter(([, c]) => c.insert > 0 || (mode === 'upsert' && c.update > 0))
    .map(([name]) => name)
    .sort();
  if (connections.length === 0) return undefined;
  (o.progress ?? silentProgress).emit({ type: 'phase', phase: 'users', message: `importing users of ${connections.join(', ')}` });
  return runImports({
    api: o.api,
    files: importFiles(o, connections, wanted),
    mode,
    signal: o.signal,
    clock: o.clock,
    progress: o.progress ?? silentProgress,
    journal: o.journal,
    report: o.report,
    ...o.imports,
  });
}

async function* membershipAdds(o: ApplyOptions, diff: UsersDiffResult): AsyncGenerator<MembershipAdd> {
  const idMap = await o.reader.readIdMap(o.signal);
  const usersStep = o.plan.steps.some((s) => s.type === 'users');
  const events = diffMemberships({
    snapshotRoleMembers: o.snapshot.roleMembers() as AsyncIterable<RoleMemberRecord>,
    snapshotOrgMembers: o.snapshot.organizationMembers() as AsyncIterable<OrgMemberRecord>,
    targetRoleMembers: roleMemberRecords(o.reader, idMap, o.signal),
    targetOrgMembers: orgMemberRecords(o.reader, idMap, o.signal),
    snapshotIdMap: o.snapshot.idMap,
    targetIdMap: idMap,
    resolveUser: resolverFromUsersDiff(diff, willImportUser(diff, usersStep, o.plan.options.users)),
    includeUser: (ref) => diff.includesUser(ref),
    allowDelete: false,
    signal: o.signal,
  });
  const roleIds = new Map(idMap.roles.map((r) => [r.name, r.id]));
  const orgIds = new Map(idMap.organizations.map((r) => [r.name, r.id]));
  const ids = { role: (n: string) => roleIds.get(n), org: (n: string) => orgIds.get(n) };
  const unresolved = new Map<string, number>();
  for await (const e of events) {
    throwIfAborted(o.signal);
    if (e.kind === 'unresolved') unresolved.set(e.reason, (unresolved.get(e.reason) ?? 0) + 1);
    if (e.kind !== 'op') continue;
    const r = toMembershipAdds([e.op], ids);
    yield* r.adds;
    for (const u of r.unresolved) unresolved.set(`no id in the target for ${u.split(' for ')[0]}`, (unresolved.get(u) ?? 0) + 1);
  }
  for (const [reason, count] of unresolved) o.report.warn('memberships', `${count} membership(s) not restored: ${reason}`);
}

async function applyMembershipStep(o: ApplyOptions): Promise<MembershipTotals | undefined> {
  const m = o.plan.memberships;
  const removes = m.roleMembers.remove + m.orgMembers.remove + m.orgMemberRoles.remove;
  if (removes > 0) o.report.warn('memberships', `${removes} membership removal(s) are planned but not applied: this version only adds memberships`);
  if (!o.usersDiff || m.roleMembers.add + m.orgMembers.add + m.orgMemberRoles.add === 0) return undefined;
  (o.progress ?? silentProgress).emit({ type: 'phase', phase: 'memberships', message: 'adding role and organization memberships' });
  return applyMemberships({ api: o.api, adds: membershipAdds(o, o.usersDiff), signal: o.signal, report: o.report, progress: o.progress ?? silentProgress });
}

export async function applyPlan(o: ApplyOptions): Promise<ApplyResult> {
  const result: ApplyResult = { configDeployed: false };
  for (const step of o.plan.steps) {
    throwIfAborted(o.signal);
    if (o.journal.stepDone(step.type)) continue;
    if (step.type === 'config') result.configDeployed = await applyConfig(o);
    else if (step.type === 'users') {
      const imports = await applyUsers(o);
      if (imports) result.imports = imports;
    } else {
      const totals = await applyMembershipStep(o);
      if (totals) result.memberships = totals;
    }
    await o.journal.markStep(step.type);
  }
  return result;
}
