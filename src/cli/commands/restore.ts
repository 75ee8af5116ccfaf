/**
 * `a0vault plan <ref>` and `a0vault restore <ref>` (restore --dry-run = plan: the same code path).
 * Target credentials come from AUTH0_* (the tenant written to); the snapshot from --from.
 */
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../../core/abort.js';
import { A0vaultError, SafetyError } from '../../core/errors.js';
import { assertScopes, doctor } from '../../auth0/doctor.js';
import { resolveSnapshot } from '../../archive/catalog.js';
import { resolveSelection } from '../../restore/order.js';
import { runRestore, type RestoreResult, type RestoreTransforms } from '../../restore/index.js';
import { loadPasswordHashes } from '../../restore/password-hashes.js';
import { parsePlan } from '../../restore/plan.js';
import { renderPlanJson, renderPlanText } from '../../restore/render-plan.js';
import { exitCodeForOutcome } from '../../restore/report.js';
import { loadSnapshot } from '../../restore/snapshot-state.js';
import type { Plan, UsersMode } from '../../restore/types.js';
import { openStorage } from '../../storage/registry.js';
import { addIdentityOption, addOutputOptions, addStorageOptions, addTenantOptions, gcsEndpoint, parsePercent, parsePositive, progressFor, readCredentials, readIdentities, type IdentityFlags, type OutputFlags, type StorageFlags, type TenantFlags } from '../options.js';
import { resolveConfigFlags } from '../config-flags.js';
import { writeResult } from '../output/result.js';
import { toolVersion } from '../version.js';
import { createApi, createRestoreTarget, createStorage } from '../wiring.js';
import type { CommandContext } from './index.js';

export interface RestoreFlags extends OutputFlags, StorageFlags, TenantFlags, IdentityFlags {
  from: string;
  tenant?: string;
  only?: string[];
  exclude?: string[];
  user?: string;
  connection?: string;
  users: UsersMode;
  toOtherTenant?: boolean;
  allowDelete?: boolean;
  maxDeletes: number;
  out?: string;
  apiBudget: number;
  maxRps?: number;
  dryRun?: boolean;
  plan?: string;
  yes?: boolean;
  resume?: string | boolean;
  stateDir?: string;
  passwordHashes?: string;
  keywordMappings?: string;
}

const list = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new A0vaultError('usage', `expected a whole number ≥ 0, got ${value}`);
  return n;
}

/** Options shared by plan, restore and clone (clone has its own --users). */
export function addRestoreOptions(cmd: Command, o: { usersFlag?: boolean } = {}): Command {
  cmd
    .requiredOption('--from <location>', 'storage location of the snapshot')
    .option('--tenant <domain>', 'resolve the reference among this tenant’s snapshots')
    .option('--only <types>', 'restore only these types (comma-separated: config, a config type, users, memberships)', list)
    .option('--exclude <types>', 'restore everything but these types', list)
    .option('--user <email|user_id>', 'one user, with their roles and organizations')
    .option('--connection <name>', 'one connection, with its users')
    .option('--to-other-tenant', 'allow a target other than the snapshot’s tenant')
    .option('--allow-delete', 'delete objects the snapshot does not have (bounded by --max-deletes)')
    .option('--max-deletes <n>', 'refuse a plan with more deletes than this (exit 5)', parseCount, 0)
    .option('--out <file>', 'save the plan as JSON (apply it later with restore --plan)')
    .option('--api-budget <percent>', "share of the target's Management API rate limit to use", parsePercent, 50)
    .option('--max-rps <n>', 'absolute cap on requests per second', parsePositive);
  if (o.usersFlag !== false) {
    cmd.addOption(new Option('--users <mode>', 'existing users: upsert (update them), insert (leave them), skip (no users)').choices(['upsert', 'insert', 'skip']).default('upsert'));
  }
  return addIdentityOption(addTenantOptions(addStorageOptions(addOutputOptions(cmd))));
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  return `${s.changes} change(s) to ${plan.target.domain}: ${s.creates} to create, ${s.updates} to update, ${s.deletes} to delete`;
}

async function confirmOnTty(plan: Plan): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${summaryLine(plan)}\nApply? Type "yes" to continue: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

export interface RestoreCommandExtras {
  command: string;
  transforms?: RestoreTransforms;
  /** Overrides of the flags (clone implies --to-other-tenant). */
  toOtherTenant?: boolean;
  /** Lines printed before the plan or outcome (a clone's rewrites and injected secrets). */
  notes?: () => string[];
  /** Extra members of the --json document (a clone's report: rewrites, injected secret names). */
  json?: () => Record<string, unknown>;
}

/** The shared body of plan, restore and clone. */
export async function runRestoreCommand(ref: string, flags: RestoreFlags, ctx: CommandContext, dryRun: boolean, extras: RestoreCommandExtras): Promise<RestoreResult> {
  const progress = progressFor(flags);
  try {
    // validate the selection before any I/O
    const selection = { ...(flags.only ? { only: flags.only } : {}), ...(flags.exclude ? { exclude: flags.exclude } : {}), ...(flags.user ? { user: flags.user } : {}), ...(flags.connection ? { connection: flags.connection } : {}) };
    const resolved = resolveSelection(selection);
    const savedPlan = flags.plan ? parsePlan(await readFile(flags.plan, 'utf8'), flags.plan) : undefined;
    const storage = createStorage(flags.from, { gcsEndpoint: gcsEndpoint(flags), progress });
    const entry = await resolveSnapshot(storage, ref, { tenant: flags.tenant, signal: ctx.signal });
    const credentials = readCredentials(flags);
    const api = createApi(credentials, { progress, signal: ctx.signal, apiBudget: flags.apiBudget, maxRps: flags.maxRps });
    const steps = new Set(resolved.steps.map((s) => s.type));
    const scopes = await doctor(api, dryRun ? 'plan' : 'restore', {
      signal: ctx.signal, users: steps.has('users') || steps.has('memberships'), memberships: steps.has('memberships'), configTypes: resolved.configTypes, allowDelete: flags.allowDelete === true,
    });
    assertScopes(scopes);
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
    if (!dryRun && !flags.yes && !interactive) throw new SafetyError('not a terminal, so no confirmation can be asked: pass --yes to apply the restore');
    const passwordHashes = flags.passwordHashes ? await loadPasswordHashes(createReadStream(flags.passwordHashes), ctx.signal, flags.passwordHashes) : undefined;
    const tool = { name: 'a0vault', version: toolVersion() };
    const transforms = extras.transforms ?? (flags.keywordMappings ? await keywordMappingsTransform(flags.keywordMappings) : undefined);
    const identities = readIdentities(flags);
    const result = await runRestore({
      storage,
      prefix: '',
      manifestKey: entry.manifestKey,
      openSnapshot: (signal) => loadSnapshot(storage, entry.manifestKey, signal, identities ? { identities } : {}),
      ...(identities ? { identities } : {}),
      target: createRestoreTarget(credentials, api, progress, tool),
      selection: savedPlan ? savedPlan.selection : selection,
      allowDelete: flags.allowDelete === true,
      maxDeletes: flags.maxDeletes,
      users: flags.users,
      toOtherTenant: extras.toOtherTenant ?? flags.toOtherTenant === true,
      dryRun,
      ...(savedPlan ? { savedPlan } : {}),
      ...(flags.resume !== undefined && flags.resume !== false ? { resume: flags.resume === true ? 'latest' : flags.resume } : {}),
      ...(!dryRun && !flags.yes ? { confirm: confirmOnTty } : {}),
      ...(transforms ? { transforms } : {}),
      ...(passwordHashes ? { passwordHashes } : {}),
      ...(flags.stateDir ? { stateStorage: openStorage(flags.stateDir, { cwd: process.cwd() }) } : {}),
      clock: systemClock,
      progress,
      signal: ctx.signal,
      tool,
      command: extras.command,
    });
    progress.stop();
    if (flags.out) await writeFile(flags.out, renderPlanJson(result.plan));
    const notes = extras.notes?.() ?? [];
    const prefix = notes.length > 0 ? `${notes.join('\n')}\n\n` : '';
    const extra = extras.json?.() ?? {};
    if (!result.applied) {
      writeResult(flags, { ...result.plan, ...extra }, () => prefix + renderPlanText(result.plan) + (flags.out ? `\nplan saved to ${flags.out}` : ''));
      return result;
    }
    const report = result.report;
    if (report) process.exitCode = exitCodeForOutcome(report.outcome);
    writeResult(flags, { restoreId: result.restoreId, recordKey: result.recordKey, resumed: result.resumed, summary: result.plan.summary, ...report, ...extra }, () => prefix + renderOutcome(result));
    return result;
  } finally {
    progress.stop();
  }
}

/** `--keyword-mappings <file>`: values for deploy-cli's ##KEY## / @@KEY@@ placeholders (a mapping of strings or string arrays). */
async function keywordMappingsTransform(file: string): Promise<RestoreTransforms> {
  let value: unknown;
  try {
    value = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new A0vaultError('usage', `${file} is not JSON or YAML`, { cause: err instanceof Error ? new Error(err.name) : undefined });
  }
  const ok = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every(ok)) {
    throw new A0vaultError('usage', `${file} must map keyword names to strings or lists of strings`);
  }
  const keywordMappings = value as Record<string, string | string[]>;
  return () => Promise.resolve({ keywordMappings });
}

function renderOutcome(r: RestoreResult): string {
  const report = r.report;
  const lines = [`restore ${r.restoreId}${r.resumed ? ' (resumed)' : ''}: ${report?.outcome ?? 'unknown'} — ${summaryLine(r.plan)}`];
  for (const [type, c] of Object.entries(report?.counts ?? {})) {
    lines.push(`  ${type}: ${c.inserted} created, ${c.updated} updated, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`);
  }
  for (const w of report?.warnings ?? []) lines.push(`  warning (${w.type}): ${w.message}`);
  const errors = report?.errors ?? [];
  for (const e of errors.slice(0, 20)) lines.push(`  error (${e.type}) ${e.item}: ${e.codes.join(',')} ${e.message}`);
  if (errors.length > 20) lines.push(`  … and ${errors.length - 20} more error(s): see the record ${r.recordKey}`);
  if (report?.fatal) lines.push(`  stopped: ${report.fatal}`);
  lines.push(`  record: ${r.recordKey}`);
  return lines.join('\n');
}

export function registerRestoreCommands(program: Command, ctx: CommandContext): void {
  const plan = program
    .command('plan')
    .description('dry run: what restoring a snapshot into the target (AUTH0_* credentials) would change')
    .argument('<ref>', 'snapshot id, latest, or @<ISO date>');
  addRestoreOptions(plan).action(async (ref: string, raw: RestoreFlags, command: Command) => {
    await runRestoreCommand(ref, resolveConfigFlags(command, raw), ctx, true, { command: 'plan' });
  });

  const restore = program
    .command('restore')
    .description('restore a snapshot into the target (AUTH0_* credentials): configuration, users, memberships')
    .argument('<ref>', 'snapshot id, latest, or @<ISO date>');
  addRestoreOptions(restore)
    .option('--dry-run', 'only print the plan (same as a0vault plan)')
    .option('--plan <file>', 'apply exactly this saved plan; refused (exit 5) if the target changed since')
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--resume [restore-id]', 'finish an interrupted restore (default: the newest unfinished one)')
    .option('--state-dir <location>', 'where the journal and the restore record go (default: the snapshot location)')
    .option('--password-hashes <file>', 'NDJSON of password hashes from Auth0 support, merged into imported users')
    .option('--keyword-mappings <file>', 'JSON/YAML object of deploy-cli keyword values (##KEY## placeholders, e.g. masked secrets); never printed')
    .action(async (ref: string, raw: RestoreFlags, command: Command) => {
      const flags = resolveConfigFlags(command, raw);
      await runRestoreCommand(ref, flags, ctx, flags.dryRun === true, { command: 'restore' });
    });
}
