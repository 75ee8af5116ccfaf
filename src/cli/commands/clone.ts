/**
 * `a0vault clone <ref> --from <location> --mappings clone.yaml`: a restore into another tenant
 * (implies --to-other-tenant) with the mapping file applied first (src/clone): value rewrites,
 * secrets injected through deploy-cli keyword mappings, exclusions, and users none / a
 * deterministic sample / all, optionally pseudonymised (--scrub-pii).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { A0vaultError } from '../../core/errors.js';
import { createSecretResolver, parseCloneMappings, prepareClone, sampleUsers, scrubMembership, scrubUser, type CloneReport, type UsersMode as CloneUsersMode } from '../../clone/index.js';
import type { PreparedTransforms, RestoreTransforms } from '../../restore/index.js';
import { resolveConfigFlags } from '../config-flags.js';
import { addRestoreOptions, runRestoreCommand, type RestoreFlags } from './restore.js';
import type { CommandContext } from './index.js';

interface CloneFlags extends Omit<RestoreFlags, 'users'> {
  mappings: string;
  users?: string;
  scrubPii?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

/** `none`, `all` or `sample:<N>`. */
export function parseCloneUsers(value: string): CloneUsersMode {
  if (value === 'none' || value === 'all') return { kind: value };
  const m = /^sample:(\d+)$/.exec(value);
  if (m?.[1] !== undefined) return { kind: 'sample', size: Number(m[1]) };
  throw new A0vaultError('usage', `--users expects none, all or sample:<N>, not ${value}`);
}

/** The salt of --scrub-pii: A0VAULT_SCRUB_SALT, else the snapshot id (stable per snapshot; see docs/clone.md). */
function scrubSalt(snapshotId: string, env: NodeJS.ProcessEnv): string {
  return env.A0VAULT_SCRUB_SALT && env.A0VAULT_SCRUB_SALT !== '' ? env.A0VAULT_SCRUB_SALT : `a0vault:${snapshotId}`;
}

export function renderCloneReport(r: CloneReport): string[] {
  const lines = [`clone mappings: ${r.rewrites.length} value(s) rewritten, ${r.injected.length} secret(s) injected, ${r.excluded.length} object(s) excluded`];
  for (const w of r.rewrites.slice(0, 30)) lines.push(`  rewrite ${w.path}: ${w.from} → ${w.to} (${w.rule})`);
  if (r.rewrites.length > 30) lines.push(`  … and ${r.rewrites.length - 30} more rewrite(s) (all of them: --json, member clone.rewrites)`);
  if (r.injected.length > 0) lines.push(`  secrets injected: ${r.injected.join(', ')}`);
  if (r.omitted.length > 0) lines.push(`  secrets omitted: ${r.omitted.join(', ')}`);
  for (const e of r.excluded) lines.push(`  excluded ${e.type}${e.name ? ` ${e.name}` : ''}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

export function registerClone(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('clone')
    .description('clone a snapshot into another tenant (AUTH0_* credentials) with a mapping file: rewrites, secrets, exclusions, users')
    .argument('<ref>', 'snapshot id, latest, or @<ISO date>')
    .requiredOption('--mappings <file>', 'clone mapping file (schemas/clone-mappings.schema.json)')
    .option('--users <mode>', 'users to copy: none, all, or sample:<N> (default: the mapping file, else none)')
    .option('--scrub-pii', 'pseudonymise emails, names, phone numbers, pictures and listed metadata (salt: A0VAULT_SCRUB_SALT)')
    .option('--dry-run', 'only print the plan')
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)');
  addRestoreOptions(cmd, { usersFlag: false }).action(async (ref: string, raw: CloneFlags, command: Command) => {
    const flags = resolveConfigFlags(command, raw);
    const mappings = parseCloneMappings(await readFile(flags.mappings, 'utf8'), flags.mappings);
    const usersMode = flags.users !== undefined ? parseCloneUsers(flags.users) : mappings.users.mode;
    const scrub = flags.scrubPii === true || mappings.users.scrubPii.enabled;
    let report: CloneReport | undefined;
    const transforms: RestoreTransforms = async (snapshot, signal): Promise<PreparedTransforms> => {
      const prepared = await prepareClone(snapshot.configFiles, mappings, createSecretResolver({ env: process.env, signal }));
      report = prepared.report;
      let keep: Set<string> | undefined;
      if (usersMode.kind === 'sample') {
        const sample = await sampleUsers(snapshot.users() as AsyncIterable<{ user_id?: unknown }>, usersMode.size, { signal });
        keep = sample.userIds;
      }
      const salt = scrubSalt(snapshot.id, process.env);
      return {
        files: prepared.files,
        keywordMappings: prepared.keywordMappings,
        user: (record) => {
          if (keep && !keep.has(String(record.user_id))) return undefined;
          return scrub ? scrubUser(record, { salt, metadataFields: mappings.users.scrubPii.metadataFields }) : record;
        },
        // memberships of sampled users only (the others' users are not in the target: 404s);
        // their e-mail pseudonymised like the user's, so a lookup by e-mail still matches
        membership: (record) => {
          if (keep && !keep.has(String(record.user_id))) return undefined;
          return scrub ? scrubMembership(record, { salt }) : record;
        },
      };
    };
    // users none: neither users nor their memberships (unless --only says otherwise)
    const exclude = usersMode.kind === 'none' && !flags.only ? [...new Set([...(flags.exclude ?? []), 'users', 'memberships'])] : flags.exclude;
    const restoreFlags: RestoreFlags = { ...flags, users: 'upsert', ...(exclude ? { exclude } : {}) };
    await runRestoreCommand(ref, restoreFlags, ctx, flags.dryRun === true, {
      command: 'clone',
      transforms,
      toOtherTenant: true,
      notes: () => (report ? renderCloneReport(report) : []),
      json: () => (report ? { clone: report } : {}),
    });
  });
}
