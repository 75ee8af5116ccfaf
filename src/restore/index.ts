/**
 * The restore engine: plan (dry run) and apply one snapshot into one target tenant.
 *
 * Algorithm:
 * 1. Verify every checksum of the snapshot (IntegrityError, exit 4) before touching the target.
 * 2. Open it; apply the caller's transforms (clone: rewritten config files, scrubbed users).
 * 3. Safety: the target must be the snapshot's tenant unless toOtherTenant (SafetyError, exit 5).
 * 4. Resume: reopen the journal of an unfinished restore, take its options, and wait for the
 *    import jobs it started but never saw finish (so no user is sent twice).
 * 5. Read the target's current state (`capture`: a snapshot of the target into private temp
 *    storage) and compare (compare.ts → plan.ts). With a saved plan, the target must still
 *    have the fingerprint the plan was made against (SafetyError otherwise). Over the delete
 *    budget: SafetyError.
 * 6. Dry run: return the plan. Otherwise confirm (the caller decides how), journal the start,
 *    apply (apply.ts), and write the restore record (record.ts) with the outcome.
 * Cancellation leaves the journal unfinished and writes no record, so `--resume` can finish
 * the restore; any other failure is recorded as `failed` and rethrown.
 */
import os from 'node:os';
import type { Clock } from '../core/abort.js';
import { CancelledError, SafetyError, describeError, A0vaultError } from '../core/errors.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import type { ManagementApi } from '../auth0/client.js';
import { getJob } from '../auth0/jobs.js';
import { newRestoreId } from '../archive/layout.js';
import type { AgeIdentities } from '../archive/encryption.js';
import { verifySnapshot } from '../archive/verify.js';
import type { StorageBackend } from '../storage/backend.js';
import type { TenantReader } from '../snapshot/types.js';
import { applyPlan, type ApplyResult, type ConfigDeployer, type ImportTuning } from './apply.js';
import { compareWithTarget } from './compare.js';
import { retargetAudience, retargetAudienceText } from './tenant-audience.js';
import { RestoreJournal, listRestores, type JournalStart } from './journal.js';
import type { PackerOptions } from './import-packer.js';
import { checkPlanStillApplies, checkTargetTenant } from './plan.js';
import { planSha256, writeRestoreRecord, type RestoreRecord } from './record.js';
import { RestoreReport, type RestoreReportData } from './report.js';
import { configDocOf, type LoadedSnapshot } from './snapshot-state.js';
import type { Plan, PlanSelection, UsersMode } from './types.js';

export type { ConfigDeployer } from './apply.js';

/** The tenant a restore writes to, as the engine needs it (cli/wiring.ts builds it). */
export interface RestoreTarget {
  domain: string;
  api: ManagementApi;
  reader: TenantReader;
  deployer: ConfigDeployer;
  /** The target's current state, read like a snapshot; `close()` frees its temp storage. */
  capture(signal: AbortSignal): Promise<LoadedSnapshot>;
}

/** Changes a restore applies to the snapshot before planning (a clone's mappings). */
export interface PreparedTransforms {
  /** Config files to plan and deploy instead of the snapshot's. */
  files?: Map<string, string>;
  /** deploy-cli keyword values (may hold secrets: never logged). */
  keywordMappings?: Record<string, string | string[]>;
  /** Per exported user record; undefined leaves the user out. */
  user?(record: Record<string, unknown>): Record<string, unknown> | undefined;
  /** Per membership record (role member or organization member); undefined leaves it out. */
  membership?(record: Record<string, unknown>): Record<string, unknown> | undefined;
}

/** Computes the transforms from the opened snapshot (e.g. a deterministic user sample). */
export type RestoreTransforms = (snapshot: LoadedSnapshot, signal: AbortSignal) => Promise<PreparedTransforms>;

export interface RestoreRequest {
  selection: PlanSelection;
  allowDelete: boolean;
  maxDeletes: number;
  users: UsersMode;
  toOtherTenant: boolean;
}

export interface RunRestoreOptions extends RestoreRequest {
  storage: StorageBackend;
  prefix: string;
  manifestKey: string;
  /** Opens the verified snapshot (snapshot-state.ts loadSnapshot, with an identity when encrypted). */
  openSnapshot(signal: AbortSignal): Promise<LoadedSnapshot>;
  /** For an encrypted snapshot: verification then also decrypts and authenticates every entry. */
  identities?: AgeIdentities;
  target: RestoreTarget;
  dryRun: boolean;
  /** `--plan plan.json`: apply exactly this plan, refusing if the target changed since. */
  savedPlan?: Plan;
  /** `--resume`: finish this unfinished restore (its id), or the newest unfinished one ('latest'). */
  resume?: string;
  /** Asked before any change; false cancels. Absent: no confirmation. */
  confirm?(plan: Plan): Promise<boolean>;
  transforms?: RestoreTransforms;
  passwordHashes?: PackerOptions['passwordHashes'];
  /** Where the journal and the record go (`--state-dir`); default: the snapshot's storage. */
  stateStorage?: StorageBackend;
  clock: Clock;
  progress?: ProgressReporter;
  signal: AbortSignal;
  tool: { name: string; version: string };
  command: string;
  /** Fields never shown as changes because the caller knows why (a clone's rewritten values). */
  imports?: ImportTuning;
  tmpRoot?: string;
}

export interface RestoreResult {
  plan: Plan;
  applied: boolean;
  restoreId?: string;
  recordKey?: string;
  report?: RestoreReportData;
  apply?: ApplyResult;
  resumed?: boolean;
}

function transformed(snapshot: LoadedSnapshot, t: PreparedTransforms | undefined): { snapshot: LoadedSnapshot; files: ReadonlyMap<string, string>; keywordMappings: Record<string, string | string[]> } {
  if (!t) return { snapshot, files: snapshot.configFiles, keywordMappings: {} };
  let files: ReadonlyMap<string, string> = snapshot.configFiles;
  let config = snapshot.config;
  if (t.files) {
    files = t.files;
    config = configDocOf(files);
  }
  const users = mapped(() => snapshot.users(), t.user);
  const roleMembers = mapped(() => snapshot.roleMembers(), t.membership);
  const organizationMembers = mapped(() => snapshot.organizationMembers(), t.membership);
  return { snapshot: { ...snapshot, config, configFiles: files, users, roleMembers, organizationMembers }, files, keywordMappings: t.keywordMappings ?? {} };
}

/** A fresh iteration of `records()` through `fn` (records it maps to undefined are left out). */
function mapped(records: () => AsyncIterable<unknown>, fn: ((record: Record<string, unknown>) => Record<string, unknown> | undefined) | undefined): () => AsyncIterable<unknown> {
  if (!fn) return records;
  return () => ({
    async *[Symbol.asyncIterator]() {
      for await (const r of records()) {
        const out = r !== null && typeof r === 'object' ? fn(r as Record<string, unknown>) : undefined;
        if (out) yield out;
      }
    },
  });
}

/** Grants to the snapshot tenant's Management API name the target's instead (tenant-audience.ts). */
function retargeted<T extends { snapshot: LoadedSnapshot; files: ReadonlyMap<string, string> }>(p: T, target: string): T {
  const from = p.snapshot.tenant;
  const main = p.files.get('tenant.yaml');
  if (main === undefined || from.toLowerCase() === target.toLowerCase()) return p;
  const files = new Map(p.files);
  files.set('tenant.yaml', retargetAudienceText(main, from, target));
  return { ...p, files, snapshot: { ...p.snapshot, configFiles: files, config: retargetAudience(p.snapshot.config, from, target) } };
}

/** Waits for import jobs a killed run started, and journals their outcome (counted in the report). */
async function settlePendingJobs(journal: RestoreJournal, api: ManagementApi, o: { clock: Clock; signal: AbortSignal; progress: ProgressReporter }): Promise<void> {
  for (const p of journal.pendingJobs()) {
    o.progress.emit({ type: 'wait', reason: 'job', ms: 0, message: `waiting for import job ${p.jobId} started before the interruption` });
    for (;;) {
      const job = await getJob(api, p.jobId, { signal: o.signal, priority: 'polling' });
      if (job.status === 'completed' || job.status === 'failed') {
        const s = job.summary ?? {};
        const failed = job.status === 'failed' ? p.users : (s.failed ?? 0);
        await journal.record(p.fileKey, { jobId: p.jobId, connection: p.connection, inserted: s.inserted ?? 0, updated: s.updated ?? 0, failed, total: p.users, attempts: 1 });
        break;
      }
      await o.clock.sleep(1000, o.signal);
    }
  }
}

async function openJournalForResume(o: RunRestoreOptions, state: StorageBackend, tenant: string): Promise<RestoreJournal> {
  const all = await listRestores(state, o.prefix, tenant, o.signal);
  const open = all.filter((r) => !r.hasRecord);
  const id = o.resume === 'latest' || o.resume === '' || o.resume === undefined ? open[0]?.restoreId : o.resume;
  if (!id) throw new A0vaultError('not-found', `no unfinished restore of ${tenant} at ${state.location} to resume`);
  if (!open.some((r) => r.restoreId === id)) throw new A0vaultError('not-found', `restore ${id} is not an unfinished restore of ${tenant} at ${state.location}`);
  return RestoreJournal.open({ storage: state, prefix: o.prefix, tenant, restoreId: id, signal: o.signal, now: () => new Date(o.clock.now()) });
}

function reportFromJournal(journal: RestoreJournal, report: RestoreReport): void {
  for (const s of journal.finishedJobs()) report.count(`users:${s.connection}`, { inserted: s.inserted, updated: s.updated, failed: s.failed });
}

export async function runRestore(o: RunRestoreOptions): Promise<RestoreResult> {
  const progress = o.progress ?? silentProgress;
  const state = o.stateStorage ?? o.storage;
  progress.emit({ type: 'phase', phase: 'verify', message: 'verifying every checksum of the snapshot before touching the target' });
  await verifySnapshot({ storage: o.storage, manifestKey: o.manifestKey, signal: o.signal, progress, ...(o.identities ? { identities: o.identities } : {}) });
  const opened = await o.openSnapshot(o.signal);
  try {
    const prepared = transformed(opened, o.transforms ? await o.transforms(opened, o.signal) : undefined);
    const { snapshot, files, keywordMappings } = retargeted(prepared, o.target.domain);
    let request: RestoreRequest = { selection: o.selection, allowDelete: o.allowDelete, maxDeletes: o.maxDeletes, users: o.users, toOtherTenant: o.toOtherTenant };
    if (o.savedPlan) {
      if (o.savedPlan.snapshot.id !== snapshot.id) throw new SafetyError(`the plan is for snapshot ${o.savedPlan.snapshot.id}, not ${snapshot.id}`);
      request = { ...request, selection: o.savedPlan.selection, allowDelete: o.savedPlan.options.allowDelete, maxDeletes: o.savedPlan.options.maxDeletes, users: o.savedPlan.options.users };
    }
    let journal: RestoreJournal | undefined;
    if (o.resume !== undefined) {
      journal = await openJournalForResume(o, state, snapshot.tenant);
      const start = journal.start;
      if (!start) throw new A0vaultError('integrity', `restore ${journal.restoreId} has no start event in its journal`);
      if (start.snapshotId !== snapshot.id) throw new SafetyError(`restore ${journal.restoreId} restored snapshot ${start.snapshotId}, not ${snapshot.id}`);
      if (start.target.toLowerCase() !== o.target.domain.toLowerCase()) throw new SafetyError(`restore ${journal.restoreId} wrote to ${start.target}, not ${o.target.domain}`);
      request = { selection: start.selection, ...start.options };
    }
    checkTargetTenant(snapshot.tenant, o.target.domain, request.toOtherTenant);
    if (journal) await settlePendingJobs(journal, o.target.api, { clock: o.clock, signal: o.signal, progress });

    progress.emit({ type: 'phase', phase: 'target', message: `reading the current state of ${o.target.domain}` });
    const target = await o.target.capture(o.signal);
    let comparison;
    try {
      comparison = await compareWithTarget(snapshot, target, {
        createdAt: new Date(o.clock.now()),
        selection: request.selection,
        allowDelete: request.allowDelete,
        maxDeletes: request.maxDeletes,
        users: request.users,
        toOtherTenant: request.toOtherTenant,
        signal: o.signal,
      });
    } finally {
      target.close();
    }
    if (o.savedPlan) checkPlanStillApplies(o.savedPlan, comparison.plan.targetFingerprint);
    const plan = o.savedPlan ?? comparison.plan;
    if (o.dryRun) return { plan, applied: false };
    if (o.confirm && !journal && !(await o.confirm(plan))) throw new CancelledError('restore not confirmed: nothing was changed');

    const startedAt = new Date(o.clock.now());
    const resumed = journal !== undefined;
    if (!journal) {
      const restoreId = newRestoreId(startedAt);
      journal = await RestoreJournal.open({ storage: state, prefix: o.prefix, tenant: snapshot.tenant, restoreId, signal: o.signal, now: () => new Date(o.clock.now()) });
      const start: JournalStart = {
        type: 'start', restoreId, snapshotId: snapshot.id, snapshotTenant: snapshot.tenant, manifestKey: o.manifestKey, target: o.target.domain,
        startedAt: startedAt.toISOString(), selection: request.selection,
        options: { allowDelete: request.allowDelete, maxDeletes: request.maxDeletes, users: request.users, toOtherTenant: request.toOtherTenant },
        planSha256: planSha256(plan), command: o.command,
      };
      await journal.append(start);
    }
    const report = new RestoreReport();
    reportFromJournal(journal, report);
    let applied: ApplyResult | undefined;
    try {
      applied = await applyPlan({
        plan, snapshot, ...(comparison.usersDiff ? { usersDiff: comparison.usersDiff } : {}), configFiles: files, keywordMappings,
        api: o.target.api, reader: o.target.reader, deployer: o.target.deployer, journal, report, signal: o.signal, clock: o.clock, progress,
        ...(o.passwordHashes ? { passwordHashes: o.passwordHashes } : {}), ...(o.tmpRoot ? { tmpRoot: o.tmpRoot } : {}), ...(o.imports ? { imports: o.imports } : {}),
      });
    } catch (err) {
      if (err instanceof CancelledError || o.signal.aborted) throw err;
      report.fatal(describeError(err));
    }
    const data = report.toJSON();
    const first = journal.start;
    const record: RestoreRecord = {
      recordVersion: 1,
      restoreId: journal.restoreId,
      command: o.command,
      who: { user: safeUser(), host: os.hostname() },
      tool: o.tool,
      startedAt: first?.startedAt ?? startedAt.toISOString(),
      finishedAt: new Date(o.clock.now()).toISOString(),
      snapshot: { id: snapshot.id, tenant: snapshot.tenant, manifestKey: o.manifestKey },
      target: o.target.domain,
      planSha256: first?.planSha256 ?? planSha256(plan),
      summary: plan.summary,
      selection: plan.selection,
      options: plan.options,
      resumed: resumed ? 1 : 0,
      outcome: data.outcome,
      counts: data.counts,
      warnings: data.warnings,
      errors: data.errors,
      ...(data.fatal !== undefined ? { fatal: data.fatal } : {}),
    };
    const recordKey = await writeRestoreRecord(state, o.prefix, record, o.signal);
    await journal.append({ type: 'finished', outcome: data.outcome, at: record.finishedAt });
    return { plan, applied: true, restoreId: journal.restoreId, recordKey, report: data, ...(applied ? { apply: applied } : {}), resumed };
  } finally {
    opened.close();
  }
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
