/**
 * Integration: the Management API layer against the tenant emulator (real HTTPS, real time).
 * Only a domain and credentials are passed in, as with a real tenant; the emulator's CA is
 * trusted through NODE_EXTRA_CA_CERTS (test/setup/global-setup.ts).
 */
import { describe, expect, it } from 'vitest';
import { withEmulator } from '../../test/emulator/harness.js';
import type { RunningEmulator } from '../../test/emulator/server.js';
import { ManagementApi } from './client.js';
import { toCredentials } from './credentials.js';
import { doctor } from './doctor.js';
import { createUsersExport, getJob } from './jobs.js';
import { addOrganizationMembers, listOrganizationMembers } from './organizations.js';
import { assignRoleUsers, listRoles, listRoleUsers } from './roles.js';
import { searchUsers } from './users.js';

function connect(emu: RunningEmulator, creds?: { clientId: string; clientSecret: string }): ManagementApi {
  const { clientId, clientSecret } = creds ?? emu;
  return new ManagementApi({ credentials: toCredentials({ domain: emu.domain, clientId, clientSecret }) });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function userIds(api: ManagementApi): Promise<string[]> {
  return (await collect(searchUsers(api, '_exists_:email', { fields: 'user_id' }))).map((u) => String(u.user_id));
}

describe('Management API layer against the emulator', () => {
  it('paces memberships under a small bucket without 429s and reads them back by checkpoint', async () => {
    await withEmulator({ users: 150, rateLimit: '10/1,5' }, async (emu) => {
      const api = connect(emu);
      const role = await api.call((ro) => api.sdk.roles.create({ name: 'readers' }, ro));
      const org = await api.call((ro) => api.sdk.organizations.create({ name: 'acme' }, ro));
      const ids = await userIds(api);
      expect(ids).toHaveLength(150);
      const [a, b] = await Promise.all([assignRoleUsers(api, String(role.id), ids), addOrganizationMembers(api, String(org.id), ids)]);
      expect(a).toEqual({ done: 150, failed: [] });
      expect(b).toEqual({ done: 150, failed: [] });
      expect((await collect(listRoleUsers(api, String(role.id)))).map((u) => u.user_id).sort()).toEqual([...ids].sort());
      expect(await collect(listOrganizationMembers(api, String(org.id)))).toHaveLength(150);
      expect((await collect(listRoles(api))).map((r) => r.name)).toContain('readers');
      expect(api.queue.snapshot().total.rateLimited).toBe(0);
      expect(emu.stats.snapshot().tooManyRequests).toBe(0);
    });
  });

  it('retries injected 503s and connection resets', async () => {
    await withEmulator({ users: 20 }, async (emu) => {
      const api = connect(emu);
      const role = await api.call((ro) => api.sdk.roles.create({ name: 'r' }, ro));
      emu.faults.configure({
        rules: [
          { route: '/roles/:id/users', method: 'POST', status: 503, count: 2 },
          { route: '/roles', method: 'GET', reset: true, count: 1 },
        ],
      });
      const ids = await userIds(api);
      expect(await assignRoleUsers(api, String(role.id), ids.slice(0, 5))).toEqual({ done: 5, failed: [] });
      expect(await collect(listRoles(api))).toHaveLength(1);
      const stats = api.queue.snapshot().routes;
      expect(stats['POST /roles/{id}/users']?.retries).toBe(2);
      expect(stats['GET /roles']?.retries).toBe(1);
    });
  });

  it('doctor names the scopes a restricted client lacks, before any Management call', async () => {
    await withEmulator({}, async (emu) => {
      const res = await fetch(`${emu.admin}/clients`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scopes: ['read:users', 'read:roles'] }),
      });
      const restricted = (await res.json()) as { clientId: string; clientSecret: string };
      const report = await doctor(connect(emu, restricted), 'snapshot', { configTypes: [] });
      expect(report.ok).toBe(false);
      expect(report.grant).toEqual(['read:clients', 'read:connections', 'read:organization_member_roles', 'read:organization_members', 'read:organizations', 'read:resource_servers']);
      expect(emu.stats.snapshot().total).toBe(1); // the token request only
    });
  });

  it('polls an export job at polling priority and downloads the file outside the Management queue', async () => {
    await withEmulator({ users: 30, jobLatencyMs: 200 }, async (emu) => {
      const api = connect(emu);
      const job = await createUsersExport(api, { fields: [{ name: 'user_id' }, { name: 'email' }] });
      let state = await getJob(api, job.id);
      for (let i = 0; i < 50 && state.status !== 'completed' && state.status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = await getJob(api, job.id);
      }
      expect(state.status).toBe('completed');
      const before = api.queue.snapshot().total.requests;
      const file = await api.download(String(state.location));
      expect(file.status).toBe(200);
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
      expect(api.queue.snapshot().total.requests).toBe(before);
    });
  });
});
