import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { silentProgress } from '../core/progress.js';
import { MemoryBackend } from '../storage/memory.js';
import { readManifest } from '../archive/manifest.js';
import { verifySnapshot } from '../archive/verify.js';
import { runSnapshot, type ConfigDumper, type TenantReader } from './index.js';
import type { ExportJob } from './types.js';

/** A fake tenant: N users, an export job that completes on the 3rd poll, a URL that expires once mid-file. */
function fakeTenant(userCount: number, opts: { failFirstJob?: boolean; expireAfterBytes?: number } = {}) {
  const users = Array.from({ length: userCount }, (_, i) => ({
    user_id: `auth0|u${i}`,
    email: `u${i}@example.com`,
    identities: [{ provider: i % 10 === 0 ? 'google-oauth2' : 'auth0', connection: i % 10 === 0 ? 'google-oauth2' : 'Username-Password-Authentication' }],
  }));
  const file = gzipSync(users.map((u) => JSON.stringify(u)).join('\n') + '\n');
  const jobs = new Map<string, { polls: number; fail: boolean }>();
  let urlSerial = 0;
  let expiredOnce = false;
  const calls = { downloads: [] as number[], jobsCreated: 0 };
  const reader: TenantReader = {
    domain: 'tenant.example.com',
    readIdMap: async () => ({
      roles: [{ id: 'rol_1', name: 'admin' }],
      organizations: [{ id: 'org_1', name: 'acme' }],
      connections: [{ id: 'con_1', name: 'Username-Password-Authentication', strategy: 'auth0' }],
      clients: [],
      resourceServers: [],
    }),
    async *listRoleMembers() {
      yield { user_id: 'auth0|u1', email: 'u1@example.com' };
      yield { user_id: 'auth0|u2' };
    },
    async *listOrgMembers() {
      yield { user_id: 'auth0|u3' };
    },
    listOrgMemberRoles: async () => [{ id: 'rol_1', name: 'admin' }],
    createUsersExport: async () => {
      calls.jobsCreated++;
      const id = `job_${calls.jobsCreated}`;
      jobs.set(id, { polls: 0, fail: opts.failFirstJob === true && calls.jobsCreated === 1 });
      return { id, status: 'pending' };
    },
    getJob: async (id): Promise<ExportJob> => {
      const job = jobs.get(id)!;
      job.polls++;
      if (job.polls < 3) return { id, status: 'processing', percentageDone: job.polls * 40 };
      if (job.fail) return { id, status: 'failed', statusDetails: 'injected' };
      return { id, status: 'completed', location: `https://files/${id}?u=${++urlSerial}` };
    },
    openDownload: async (location, offset) => {
      calls.downloads.push(offset);
      if (opts.expireAfterBytes !== undefined && !expiredOnce) {
        // first URL: serve part of the file, then drop the connection
        expiredOnce = true;
        const part = file.subarray(0, opts.expireAfterBytes);
        const stream = new Readable({
          read() {
            this.push(part);
            this.destroy(new Error('socket hang up'));
          },
        });
        return { expired: false, stream, fromOffset: 0 };
      }
      if (!location.includes('u=')) return { expired: true };
      return { expired: false, stream: Readable.from([file.subarray(offset)]), fromOffset: offset };
    },
  };
  return { reader, calls, userCount };
}

const dumper: ConfigDumper = {
  async dump(folder) {
    await mkdir(path.join(folder, 'rules'), { recursive: true });
    await writeFile(path.join(folder, 'tenant.yaml'), 'roles:\n  - name: admin\nclients: []\ntenant:\n  friendly_name: x\n');
    await writeFile(path.join(folder, 'rules', 'r.js'), 'function rule(u,c,cb){cb(null,u,c)}');
  },
};

async function snapshot(reader: TenantReader, storage = new MemoryBackend()) {
  const clock = new ManualClock(Date.parse('2026-11-25T03:00:00Z'));
  const run = runSnapshot({
    reader,
    dumper,
    storage,
    prefix: 'backups',
    clock,
    progress: silentProgress,
    signal: new AbortController().signal,
    tool: { name: 'a0vault', version: 'test' },
  });
  // drive the poll sleeps without real waiting
  let settled = false;
  void run.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    await new Promise<void>((r) => setImmediate(r));
    await clock.advance(1000);
  }
  return { result: await run, storage };
}

describe('runSnapshot', () => {
  it('captures users, memberships and config into an archive that verifies', async () => {
    const t = fakeTenant(250);
    const { result, storage } = await snapshot(t.reader);
    expect(result.manifest.counts.users).toBe(250);
    expect(result.manifest.counts.usersByConnection).toEqual({ 'google-oauth2': 25, 'Username-Password-Authentication': 225 });
    expect(result.manifest.counts.roleMembers).toBe(2);
    expect(result.manifest.counts.organizationMembers).toBe(1);
    expect(result.manifest.counts.config).toMatchObject({ roles: 1, clients: 0, tenant: 1 });
    expect(result.manifest.entries.map((e) => e.path)).toEqual(
      expect.arrayContaining(['config/tenant.yaml', 'config/rules/r.js', 'users/users.ndjson.gz', 'idmap.json', 'coverage.json']),
    );
    expect(result.manifest.coverage.notCaptured.map((g) => g.item)).toContain('password hashes');
    const report = await verifySnapshot({ storage, manifestKey: result.manifestKey, signal: new AbortController().signal });
    expect(report.problems).toEqual([]);
    const again = await readManifest(storage, result.manifestKey, { signal: new AbortController().signal });
    expect(again.snapshotId).toBe(result.manifest.snapshotId);
  });

  it('replaces a failed export job and resumes an interrupted download without losing or duplicating users', async () => {
    const t = fakeTenant(2000, { failFirstJob: true, expireAfterBytes: 1500 });
    const { result } = await snapshot(t.reader);
    expect(t.calls.jobsCreated).toBe(2);
    expect(result.export.resumes).toBe(1);
    expect(t.calls.downloads).toEqual([0, 1500]);
    expect(result.manifest.counts.users).toBe(2000);
  });

  it('writes no manifest when the run fails, and releases the lock', async () => {
    const t = fakeTenant(10);
    t.reader.readIdMap = async () => {
      throw new Error('boom');
    };
    const storage = new MemoryBackend();
    await expect(snapshot(t.reader, storage)).rejects.toThrow('boom');
    const keys: string[] = [];
    for await (const o of storage.list('', { signal: new AbortController().signal })) keys.push(o.key);
    expect(keys.filter((k) => k.endsWith('.manifest.json'))).toEqual([]);
    expect(keys.filter((k) => k.endsWith('lock.json'))).toEqual([]);
  });
});
