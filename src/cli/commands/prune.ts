/**
 * `a0vault prune --from <location> --keep-* N`: removes the snapshots a retention policy does
 * not keep (restic `forget` semantics, src/retention/policy.ts), per tenant, never the newest.
 * Objects a bucket retention policy still protects are reported, not fatal: exit 3.
 */
import type { Command } from 'commander';
import { A0vaultError } from '../../core/errors.js';
import { checkPolicy, RULES, type RetentionPolicy, type RuleName } from '../../retention/policy.js';
import { runPrune, type PruneOptions, type PruneReport } from '../../retention/prune.js';
import { DryRunBackend } from '../../storage/dry-run.js';
import { configRetention, resolveConfigFlags, type ConfigInfo } from '../config-flags.js';
import { addOutputOptions, addStorageOptions, gcsEndpoint, progressFor, type OutputFlags, type StorageFlags } from '../options.js';
import { formatTable, writeResult } from '../output/result.js';
import { createStorage } from '../wiring.js';
import type { CommandContext } from './index.js';

type KeepFlags = Partial<Record<`keep${Capitalize<RuleName>}`, number>>;

interface PruneFlags extends OutputFlags, StorageFlags, KeepFlags {
  from: string;
  tenant?: string;
  dryRun?: boolean;
}

const flagOf = (rule: RuleName) => `keep${rule.charAt(0).toUpperCase()}${rule.slice(1)}` as keyof KeepFlags;

/** A --keep-* value: a non-negative integer, or `unlimited`. */
export function parseKeep(value: string): number {
  if (value === 'unlimited') return Infinity;
  if (!/^\d+$/.test(value)) throw new A0vaultError('usage', `expected a non-negative integer or "unlimited", got ${JSON.stringify(value)}`);
  return Number(value);
}

function policyOf(flags: PruneFlags): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const rule of RULES) {
    const n = flags[flagOf(rule)];
    if (n !== undefined) policy[rule] = n;
  }
  return policy;
}

/**
 * The --keep-* flags when any is given on the command line (they replace the config file's
 * rules entirely), else the config file's retention (per tenant / location / default).
 * Neither: a usage error.
 */
function policyFor(command: Command, flags: PruneFlags & { configInfo: ConfigInfo }): PruneOptions['policy'] {
  const fromFlags = policyOf(flags);
  if (RULES.some((r) => command.getOptionValueSource(flagOf(r)) === 'cli')) {
    checkPolicy(fromFlags);
    return fromFlags;
  }
  const fromConfig = configRetention(flags.configInfo);
  if (!fromConfig) checkPolicy({});
  const only = flags.tenant === undefined ? undefined : fromConfig?.(flags.tenant);
  if (flags.tenant !== undefined && only === undefined) throw new A0vaultError('usage', `no retention policy for ${flags.tenant}: give --keep-* flags or a retention section in the config file`);
  return fromConfig ?? fromFlags;
}

function renderReport(r: PruneReport): string {
  const removedVerb = r.dryRun ? 'would remove' : 'removed';
  const lines = [`prune at ${r.location}${r.dryRun ? ' (dry run: nothing removed)' : ''}`, ''];
  lines.push(`keep ${r.kept.length} snapshot(s):`);
  if (r.kept.length > 0) lines.push(formatTable(['TENANT', 'ID', 'TIME', 'REASONS'], r.kept.map((k) => [k.tenant, k.snapshotId, k.time, k.reasons.join(', ')])));
  lines.push('', `${removedVerb} ${r.removed.length} snapshot(s):`);
  if (r.removed.length > 0) lines.push(formatTable(['TENANT', 'ID', 'TIME'], r.removed.map((s) => [s.tenant, s.snapshotId, s.time])));
  if (r.protected.length > 0) {
    lines.push('', `protected by a retention policy, ${r.protected.length} snapshot(s) (try again after the date shown):`);
    const rows = r.protected.flatMap((p) => p.objects.map((o) => [p.tenant, p.snapshotId, p.stillListed ? 'still listed' : 'manifest removed', o.key, o.retainUntil ?? 'unknown']));
    lines.push(formatTable(['TENANT', 'ID', 'STATE', 'OBJECT', 'RETAINED UNTIL'], rows));
  }
  if (r.incomplete.length > 0) {
    lines.push('', `left alone, incomplete (no manifest: unfinished or running) ${r.incomplete.length} snapshot(s):`);
    lines.push(formatTable(['TENANT', 'ID'], r.incomplete.map((s) => [s.tenant, s.snapshotId])));
  }
  return lines.join('\n');
}

/** The policy as JSON can carry it (Infinity → "unlimited"). */
function policyJson(policy: RetentionPolicy): Record<string, number | 'unlimited'> {
  return Object.fromEntries(Object.entries(policy).map(([k, v]) => [k, v === Infinity ? 'unlimited' : v]));
}

/** `policy` (from flags) or `policies` per tenant with the config file they came from. */
function policyDocument(policy: PruneOptions['policy'], report: PruneReport, info: ConfigInfo): Record<string, unknown> {
  if (typeof policy !== 'function') return { policy: policyJson(policy) };
  const tenants = [...new Set([...report.kept, ...report.removed, ...report.protected].map((s) => s.tenant))].sort();
  return { policySource: info.path, policies: Object.fromEntries(tenants.map((t) => [t, policyJson(policy(t) ?? {})])) };
}

export function registerPrune(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('prune')
    .description('remove snapshots a retention policy does not keep (restic forget semantics, per tenant; never the newest)')
    .requiredOption('--from <location>', 'storage location (or the name of a location in the config file)')
    .option('--tenant <domain>', 'only snapshots of this tenant')
    .option('--dry-run', 'show what would be removed; remove nothing');
  const periods: Record<RuleName, string> = { last: '', hourly: 'hours', daily: 'days (UTC)', weekly: 'ISO weeks (UTC)', monthly: 'months (UTC)', yearly: 'years (UTC)' };
  for (const rule of RULES) {
    const what = rule === 'last' ? 'keep the n newest snapshots' : `keep the newest snapshot of each of the n most recent ${periods[rule]} that have one`;
    cmd.option(`--keep-${rule} <n>`, `${what} (n or "unlimited"; default: config file retention)`, parseKeep);
  }
  addStorageOptions(addOutputOptions(cmd)).action(async (raw: PruneFlags, command: Command) => {
    const flags = resolveConfigFlags(command, raw);
    const policy = policyFor(command, flags);
    const progress = progressFor(flags);
    try {
      const real = createStorage(flags.from, { gcsEndpoint: gcsEndpoint(flags), progress });
      const storage = flags.dryRun ? new DryRunBackend(real) : real;
      const report = await runPrune({ storage, policy, dryRun: flags.dryRun === true, tenant: flags.tenant, signal: ctx.signal });
      progress.stop();
      writeResult(flags, { ...report, ...policyDocument(policy, report, flags.configInfo) }, () => renderReport(report));
      if (report.protected.length > 0) {
        throw new A0vaultError('partial', `${report.protected.length} snapshot(s) not fully removed: a bucket retention policy still protects them`, {
          details: { protected: report.protected.length },
        });
      }
    } finally {
      progress.stop();
    }
  });
}
