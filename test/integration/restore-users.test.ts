/**
 * Integration: users through import jobs and memberships through the API layer, against an
 * in-process tenant emulator (real HTTPS, real time, fast import rate).
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ManagementApi } from '../../src/auth0/client.js';
import { listConnections } from '../../src/auth0/connections.js';
import { toCredentials } from '../../src/auth0/credentials.js';
import { createUsersExport, getJob } from '../../src/auth0/jobs.js';
import { listMemberRoles, listOrganizationMembers } from '../../src/auth0/organizations.js';
import { listRoleUsers } from '../../src/auth0/roles.js';
import { applyMemberships, type MembershipAdd } from '../../src/restore/apply-memberships.js';
import { ImportPacker } from '../../src/restore/import-packer.js';
import { MemoryImportJournal, runImports } from '../../src/restore/import-runner.js';
import { RestoreReport } from '../../src/restore/report.js';
import { withEmulator } from '../emulator/harness.js';
import type { RunningEmulator } from '../emulator/server.js';

const UPA = 'Username-Password-Authentication';
const TOTAL = 3000;
const DUPLICATES = 4;

function connect(emu: RunningEmulator): ManagementApi {
  return new ManagementApi({ credentials: toCredentials({ domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret }) });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Exported-shaped database users (as a users export writes them). */
async function* exportedUsers(count = TOTAL, from = 0): AsyncGenerator<Record<string, unknown>> {
  for (let i = from; i < from + count; i++) {
    const id = `65a0${String(i).padStart(20, '0')}`;
    yield {
      user_id: `auth0|${id}`,
      email: `user${i}@restore.test`,
      email_verified: i % 3 === 0,
      name: `User ${i}`,
      identities: [{ provider: 'auth0', connection: UPA, user_id: id, isSocial: false }],
      user_metadata: { index: i, note: 'x'.repeat(40) },
      app_metadata: { plan: i % 2 === 0 ? 'pro' : 'free' },
    };
  }
}

/** user_ids of every user in the target, through an export job. */
async function exportUserIds(api: ManagementApi, connectionId: string): Promise<string[]> {
  const job = await createUsersExport(api, { connectionId, fields: [{ name: 'user_id' }] });
  let state = await getJob(api, String(job.id));
  while (state.status !== 'completed' && state.status !== 'failed') {
    await new Promise((r) => setTimeout(r, 100));
    state = await getJob(api, String(job.id));
  }
  expect(state.status).toBe('completed');
  const res = await api.download(String(state.location));
  let bytes = Buffer.from(await res.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => String((JSON.parse(l) as { user_id: unknown }).user_id));
}

describe('restore users and memberships against the emulator', () => {
  it('imports 3,000 users with both slots busy, reports per-user errors, retries a failed job', async () => {
    await withEmulator({ seed: 'empty', importRate: 2000, jobLatencyMs: 100 }, async (emu) => {
      const api = connect(emu);
      const connectionId = String((await collect(listConnections(api, { name: UPA })))[0]?.id);
      // users already in the target with the emails of the last records: insert mode fails them
      for (let i = TOTAL - DUPLICATES; i < TOTAL; i++) {
        await api.call((ro) => api.sdk.users.create({ connection: UPA, email: `user${i}@restore.test`, password: 'Str0ng!Passw0rd#1' }, ro));
      }
      emu.faults.configure({ rules: [{ kind: 'import-job', count: 1 }] });
      const packer = new ImportPacker({ connection: UPA, signal: AbortSignal.timeout(60_000), maxBytes: 40_000 });
      const report = new RestoreReport();
      const journal = new MemoryImportJournal();
      const result = await runImports({
        api,
        files: packer.pack(exportedUsers()),
        mode: 'insert',
        signal: AbortSignal.timeout(60_000),
        report,
        journal,
        pollStartMs: 100,
        pollMaxMs: 400,
      });
      expect(packer.stats.packed).toBe(TOTAL);
      expect(packer.stats.files).toBeGreaterThan(4);
      const totals = result.byConnection[UPA];
      expect(totals).toBeDefined();
      expect(result.retries).toBe(1);
      expect(totals!.inserted + totals!.failed).toBe(TOTAL);
      expect(totals!.updated).toBe(0);
      expect(totals!.failed).toBe(DUPLICATES);
      expect(emu.stats.snapshot().peakConcurrentImportJobs).toBe(2);
      const failedUsers = report.errors.filter((e) => e.type === 'users');
      expect(failedUsers).toHaveLength(DUPLICATES);
      for (const e of failedUsers) {
        expect(e.email).toMatch(/^user\d+@restore\.test$/);
        expect(e.codes).toEqual(['DUPLICATED_USER']);
      }
      expect(report.outcome).toBe('partially-failed');
      expect(journal.entries.size).toBe(packer.stats.files);

      const ids = await exportUserIds(api, connectionId);
      expect(ids.filter((id) => id.startsWith('auth0|auth0|'))).toEqual([]);
      const present = new Set(ids);
      for await (const u of exportedUsers()) {
        const i = Number((u.email as string).slice(4).split('@')[0]);
        if (i < TOTAL - DUPLICATES) expect(present.has(String(u.user_id))).toBe(true);
      }
      expect(ids).toHaveLength(TOTAL);

      // a resumed run skips every journalled file
      const again = await runImports({ api, files: new ImportPacker({ connection: UPA, signal: AbortSignal.timeout(60_000), maxBytes: 40_000 }).pack(exportedUsers()), mode: 'insert', signal: AbortSignal.timeout(60_000), journal, pollStartMs: 100 });
      expect(again.jobs).toBe(0);
      expect(again.byConnection[UPA]?.skipped).toBe(TOTAL);

      // asking for a third slot: the emulator's 429 "2 active import users jobs" is waited out, not failed
      const extra = await runImports({
        api,
        files: new ImportPacker({ connection: UPA, signal: AbortSignal.timeout(60_000), maxBytes: 10_000 }).pack(exportedUsers(300, TOTAL)),
        mode: 'upsert',
        signal: AbortSignal.timeout(60_000),
        slots: 3,
        slotWaitMs: 100,
        pollStartMs: 100,
      });
      expect(extra.slotWaits).toBeGreaterThan(0);
      expect(extra.byConnection[UPA]).toMatchObject({ inserted: 300, updated: 0, failed: 0 });
      expect(emu.stats.snapshot().peakConcurrentImportJobs).toBe(2);
    });
  });

  it('applies role members, organization members and member roles, reporting bad items', async () => {
    await withEmulator({ seed: 'empty', users: 25 }, async (emu) => {
      const api = connect(emu);
      const role = String((await api.call((ro) => api.sdk.roles.create({ name: 'restorers' }, ro))).id);
      const orgRole = String((await api.call((ro) => api.sdk.roles.create({ name: 'org-admin' }, ro))).id);
      const org = String((await api.call((ro) => api.sdk.organizations.create({ name: 'acme' }, ro))).id);
      const connectionId = String((await collect(listConnections(api, { name: UPA })))[0]?.id);
      const users = (await exportUserIds(api, connectionId)).slice(0, 23);
      expect(users).toHaveLength(23);
      const adds: MembershipAdd[] = [
        ...users.map((userId) => ({ kind: 'role-member' as const, roleId: role, userId })),
        ...users.map((userId) => ({ kind: 'org-member' as const, orgId: org, userId })),
        ...users.slice(0, 3).map((userId) => ({ kind: 'org-member-roles' as const, orgId: org, userId, roleIds: [orgRole] })),
        { kind: 'org-member-roles', orgId: 'org_doesnotexist1', userId: users[0]!, roleIds: [orgRole] },
      ];
      const report = new RestoreReport();
      const totals = await applyMemberships({ api, adds, signal: AbortSignal.timeout(30_000), report, chunkSize: 100 });
      expect(totals).toEqual({ roleMembers: 23, orgMembers: 23, orgMemberRoles: 3, failed: 1 });
      expect((await collect(listRoleUsers(api, role))).map((u) => u.user_id).sort()).toEqual([...users].sort());
      expect((await collect(listOrganizationMembers(api, org))).map((m) => m.user_id).sort()).toEqual([...users].sort());
      expect((await collect(listMemberRoles(api, org, users[0]!))).map((r) => r.id)).toEqual([orgRole]);
      expect(report.errors).toHaveLength(1);
      expect(report.errors[0]).toMatchObject({ type: 'org-member-roles', item: `org_doesnotexist1/${users[0]!}` });
      expect(report.outcome).toBe('partially-failed');
    });
  });
});
