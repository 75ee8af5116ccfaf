/** `a0vault diff <ref> <ref|live> --from <location>`: what changed between two snapshots. */
import type { Command } from 'commander';
import { systemClock } from '../../core/abort.js';
import { resolveSnapshot } from '../../archive/catalog.js';
import { assertScopes, doctor } from '../../auth0/doctor.js';
import { runSnapshot } from '../../snapshot/index.js';
import { MemoryBackend } from '../../storage/memory.js';
import { diffSnapshots, type SnapshotDiff } from '../../restore/snapshot-diff.js';
import { loadSnapshot, type LoadedSnapshot } from '../../restore/snapshot-state.js';
import {
  addIdentityOption,
  addOutputOptions,
  addStorageOptions,
  addTenantOptions,
  gcsEndpoint,
  progressFor,
  readCredentials,
  readIdentities,
  type IdentityFlags,
  type OutputFlags,
  type StorageFlags,
  type TenantFlags,
} from '../options.js';
import { writeResult } from '../output/result.js';
import { toolVersion } from '../version.js';
import { createApi, createConfigDumper, createStorage, createTenantReader } from '../wiring.js';
import { resolveConfigFlags } from '../config-flags.js';
import type { CommandContext } from './index.js';

interface DiffFlags extends OutputFlags, StorageFlags, TenantFlags, IdentityFlags {
  from: string;
  tenant?: string;
}

export function renderDiff(d: SnapshotDiff): string {
  const lines = [`diff ${d.from.id} (${d.from.tenant}) → ${d.to.id} (${d.to.tenant}): ${d.changes} change(s)`];
  for (const [type, t] of Object.entries(d.config)) {
    lines.push(`config ${type}: +${t.added.length} -${t.removed.length} ~${t.changed.length}`);
    for (const n of t.added) lines.push(`  + ${n}`);
    for (const n of t.removed) lines.push(`  - ${n}`);
    for (const c of t.changed) lines.push(`  ~ ${c.name}: ${c.fields.join(', ')}`);
  }
  const u = d.users;
  lines.push(`users: +${u.added} -${u.removed} ~${u.changed} (${u.unchanged} unchanged)`);
  for (const id of u.sample.added) lines.push(`  + ${id}`);
  for (const id of u.sample.removed) lines.push(`  - ${id}`);
  for (const c of u.sample.changed) lines.push(`  ~ ${c.user_id}: ${c.fields.join(', ')}`);
  const m = d.memberships;
  lines.push(
    `memberships: role members +${m.roleMembers.added} -${m.roleMembers.removed}, organization members +${m.organizationMembers.added} -${m.organizationMembers.removed}, member roles +${m.organizationMemberRoles.added} -${m.organizationMemberRoles.removed}`,
  );
  if (d.cannotCompare.length > 0) lines.push(`cannot compare (masked or write-only): ${d.cannotCompare.join(', ')}`);
  return lines.join('\n');
}

export function registerDiff(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('diff')
    .description('compare two snapshots, or a snapshot and the live tenant (live: AUTH0_* credentials)')
    .argument('<ref>', 'snapshot id, latest, or @<ISO date>')
    .argument('<other>', 'another reference, or live')
    .requiredOption('--from <location>', 'storage location')
    .option('--tenant <domain>', 'resolve references among this tenant’s snapshots');
  addIdentityOption(addTenantOptions(addStorageOptions(addOutputOptions(cmd)))).action(async (ref: string, other: string, raw: DiffFlags, command: Command) => {
    const flags = resolveConfigFlags(command, raw, { needsTenant: other === 'live' });
    const progress = progressFor(flags);
    const opened: LoadedSnapshot[] = [];
    try {
      const identities = readIdentities(flags);
      const storage = createStorage(flags.from, { gcsEndpoint: gcsEndpoint(flags), progress });
      const open = async (r: string) => {
        const entry = await resolveSnapshot(storage, r, { tenant: flags.tenant, signal: ctx.signal });
        const s = await loadSnapshot(storage, entry.manifestKey, ctx.signal, { identities });
        opened.push(s);
        return s;
      };
      const a = await open(ref);
      let b: LoadedSnapshot;
      if (other === 'live') {
        // a full snapshot of the live tenant into memory, so both sides are read the same way
        const credentials = readCredentials(flags);
        const api = createApi(credentials, { progress, signal: ctx.signal, apiBudget: 50 });
        assertScopes(await doctor(api, 'snapshot', { signal: ctx.signal }));
        const mem = new MemoryBackend({ location: 'mem://live' });
        const live = await runSnapshot({
          reader: createTenantReader(api),
          dumper: createConfigDumper(credentials, progress),
          storage: mem,
          prefix: '',
          clock: systemClock,
          progress,
          signal: ctx.signal,
          tool: { name: 'a0vault', version: toolVersion() },
        });
        b = await loadSnapshot(mem, live.manifestKey, ctx.signal);
        opened.push(b);
      } else {
        b = await open(other);
      }
      const d = await diffSnapshots(a, b);
      progress.stop();
      writeResult(flags, d, () => renderDiff(d));
    } finally {
      for (const s of opened) s.close();
      progress.stop();
    }
  });
}
