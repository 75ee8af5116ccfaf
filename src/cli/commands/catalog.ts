/** `a0vault list`, `show` and `verify`: read-only commands over a storage location. */
import type { Command } from 'commander';
import { IntegrityError } from '../../core/errors.js';
import { listSnapshots, loadSnapshot, resolveSnapshot } from '../../archive/catalog.js';
import type { Manifest } from '../../archive/manifest.js';
import { checkSnapshot, integrityErrorFor } from '../../archive/verify.js';
import { addIdentityOption, addOutputOptions, addStorageOptions, gcsEndpoint, progressFor, readIdentities, type IdentityFlags, type OutputFlags, type StorageFlags } from '../options.js';
import { formatBytes, formatTable, writeResult } from '../output/result.js';
import { createStorage } from '../wiring.js';
import { resolveConfigFlags } from '../config-flags.js';
import type { CommandContext } from './index.js';

interface CatalogFlags extends OutputFlags, StorageFlags {
  from: string;
  tenant?: string;
}

type VerifyFlags = CatalogFlags & IdentityFlags;

function withLocation(cmd: Command): Command {
  return addStorageOptions(addOutputOptions(cmd))
    .requiredOption('--from <location>', 'storage location')
    .option('--tenant <domain>', 'only snapshots of this tenant');
}

export function registerCatalogCommands(program: Command, ctx: CommandContext): void {
  withLocation(program.command('list').description('list complete snapshots')).action(async (raw: CatalogFlags, command: Command) => {
    const flags = resolveConfigFlags(command, raw);
    const progress = progressFor(flags);
    const storage = createStorage(flags.from, { gcsEndpoint: gcsEndpoint(flags), progress });
    const entries = await listSnapshots(storage, { tenant: flags.tenant, signal: ctx.signal });
    const rows: { id: string; tenant: string; time: string; finishedAt: string; counts: Manifest['counts']; size: number; encrypted: boolean }[] = [];
    for (const e of entries) {
      const m = await loadSnapshot(storage, e, ctx.signal);
      rows.push({ id: m.snapshotId, tenant: m.tenant.domain, time: m.startedAt, finishedAt: m.finishedAt, counts: m.counts, size: m.archive.size, encrypted: m.encryption !== undefined });
    }
    writeResult(flags, rows, () =>
      rows.length === 0
        ? `no complete snapshots at ${storage.location}`
        : formatTable(
            ['ID', 'TENANT', 'STARTED', 'USERS', 'ROLES', 'ORGS', 'SIZE', 'ENCRYPTED'],
            rows.map((r) => [r.id, r.tenant, r.time, r.counts.users, r.counts.roles, r.counts.organizations, formatBytes(r.size), r.encrypted ? 'age' : '-']),
          ),
    );
  });

  withLocation(program.command('show').description('show one snapshot’s manifest').argument('<ref>', 'snapshot id, latest, or @<ISO date>')).action(
    async (ref: string, raw: CatalogFlags, command: Command) => {
      const flags = resolveConfigFlags(command, raw);
      const progress = progressFor(flags);
      const storage = createStorage(flags.from, { gcsEndpoint: gcsEndpoint(flags), progress });
      const entry = await resolveSnapshot(storage, ref, { tenant: flags.tenant, signal: ctx.signal });
      const m = await loadSnapshot(storage, entry, ctx.signal);
      writeResult(flags, m, () =>
        [
          `snapshot ${m.snapshotId} of ${m.tenant.domain} (${m.startedAt} → ${m.finishedAt}, ${m.tool.name} ${m.tool.version})`,
          `archive ${m.archive.key} ${formatBytes(m.archive.size)} sha256 ${m.archive.sha256}`,
          m.encryption ? `encrypted: every entry is an age file for ${m.encryption.recipients} recipient(s) (format version ${m.formatVersion}); reading it needs --identity` : 'not encrypted',
          '',
          formatTable(['ENTRY', 'SIZE', 'RECORDS'], m.entries.map((e) => [e.path, formatBytes(e.size), e.records ?? ''])),
          '',
          `users by connection: ${Object.entries(m.counts.usersByConnection).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
          `config objects: ${Object.entries(m.counts.config).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')}`,
          ...m.coverage.notCaptured.map((g) => `not captured: ${g.item}: ${g.reason} → ${g.restoreAction}`),
        ].join('\n'),
      );
    },
  );

  addIdentityOption(
    withLocation(
      program
        .command('verify')
        .description('re-hash every entry, validate the manifest and record counts (encrypted snapshots: --identity also decrypts and authenticates every entry)')
        .argument('<ref>', 'snapshot id, latest, or @<ISO date>'),
    ),
  ).action(async (ref: string, raw: VerifyFlags, command: Command) => {
    const flags = resolveConfigFlags(command, raw);
    const progress = progressFor(flags);
    try {
      const identities = readIdentities(flags);
      const storage = createStorage(flags.from, { gcsEndpoint: gcsEndpoint(flags), progress });
      const entry = await resolveSnapshot(storage, ref, { tenant: flags.tenant, signal: ctx.signal });
      const report = await checkSnapshot({ storage, manifestKey: entry.manifestKey, signal: ctx.signal, progress, identities });
      progress.stop();
      const ok = report.problems.length === 0;
      const decryption = !report.encryption
        ? ''
        : report.encryption.decrypted
          ? '; encrypted entries decrypted and authenticated'
          : '; encrypted: ciphertext checked, not decrypted (pass --identity to authenticate entries and check record counts)';
      writeResult(flags, { ...report, snapshotId: entry.snapshotId, ok }, () =>
        ok
          ? `snapshot ${entry.snapshotId}: ${report.entries.length} entries verified, archive and manifest intact${decryption}`
          : report.problems.map((p) => `FAILED ${p.subject}: ${p.message}`).join('\n'),
      );
      if (!ok) {
        const err: IntegrityError = integrityErrorFor(report);
        throw err;
      }
    } finally {
      progress.stop();
    }
  });
}
