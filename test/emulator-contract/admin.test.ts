/**
 * The admin API (/__emulator): the normalized state dump (users streamed), stats, reset, and the
 * deletes that cascade like Auth0's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { api, managementToken } from './support.js';

let emu: RunningEmulator;
let token = '';

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', users: 50 });
  token = await managementToken(emu);
});
afterAll(async () => {
  await emu?.close();
});

async function state(): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.admin}/state`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('admin API', () => {
  it('dumps the whole tenant as normalized JSON, users included', async () => {
    const s = await state();
    const collections = s.collections as Record<string, Record<string, unknown>[]>;
    expect(collections.roles?.map((r) => r.name).sort()).toEqual(['Admin', 'Billing', 'Editor', 'Org Manager', 'Support', 'Viewer']);
    expect(collections.organizations?.length).toBe(2);
    expect((s.users as unknown[]).length).toBe(1050);
    expect(s.userCount).toBe(1050);
    expect((s.memberships as unknown[]).length).toBeGreaterThan(0);
    // normalized: records sorted by id and keys sorted, so two dumps of the same tenant are byte-equal
    const ids = collections.roles?.map((r) => String(r.id)) ?? [];
    expect(ids).toEqual([...ids].sort());
    const first = collections.clients?.[0] ?? {};
    expect(Object.keys(first)).toEqual(Object.keys(first).sort());
    const again = await fetch(`${emu.admin}/state`).then((r) => r.text());
    expect(again).toBe(JSON.stringify(s));
  });

  it('is deterministic for --users N: the same generated users on every start', async () => {
    const other = await startEmulator({ seed: 'empty', users: 50 });
    try {
      const a = ((await fetch(`${other.admin}/state`).then((r) => r.json())) as { users: { user_id: string }[] }).users.map((u) => u.user_id);
      const b = await startEmulator({ seed: 'empty', users: 50 });
      try {
        const c = ((await fetch(`${b.admin}/state`).then((r) => r.json())) as { users: { user_id: string }[] }).users.map((u) => u.user_id);
        expect(c).toEqual(a);
        expect(a.length).toBe(50);
      } finally {
        await b.close();
      }
    } finally {
      await other.close();
    }
  });

  it('counts requests per route and status', async () => {
    await api(emu, token, 'GET', '/roles');
    await api(emu, token, 'GET', '/roles/rol_doesnotexist0000');
    const stats = (await fetch(`${emu.admin}/stats`).then((r) => r.json())) as { byRoute: Record<string, Record<string, number>>; total: number; rpsHistogram: Record<string, number> };
    expect(stats.byRoute['GET /roles']?.['200']).toBeGreaterThanOrEqual(1);
    expect(stats.byRoute['GET /roles/:id']?.['404']).toBe(1);
    expect(stats.total).toBeGreaterThanOrEqual(3);
    expect(Object.values(stats.rpsHistogram).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('cascades deletes: a deleted connection leaves its organizations, a deleted client loses its grants', async () => {
    const acme = (await api(emu, token, 'GET', '/organizations/name/acme')).body as { id: string };
    const before = (await api(emu, token, 'GET', `/organizations/${acme.id}/connections`)).body as { connection_id: string }[];
    const saml = before.find((c) => c.connection_id) as { connection_id: string };
    expect((await api(emu, token, 'DELETE', `/connections/${saml.connection_id}`)).status).toBe(202);
    const after = (await api(emu, token, 'GET', `/organizations/${acme.id}/connections`)).body as { connection_id: string }[];
    expect(after.map((c) => c.connection_id)).not.toContain(saml.connection_id);

    const worker = ((await api(emu, token, 'GET', '/clients?app_type=non_interactive')).body as { client_id: string; name: string }[]).find((c) => c.name === 'Demo Billing Worker (M2M)');
    expect(((await api(emu, token, 'GET', `/client-grants?client_id=${worker?.client_id}`)).body as unknown[]).length).toBe(1);
    await api(emu, token, 'DELETE', `/clients/${worker?.client_id}`);
    expect((await api(emu, token, 'GET', `/client-grants?client_id=${worker?.client_id}`)).body).toEqual([]);
    const global = ((await api(emu, token, 'GET', '/clients?is_global=true')).body as { client_id: string }[])[0];
    expect((await api(emu, token, 'DELETE', `/clients/${global?.client_id}`)).status).toBe(400);
  });

  it('resets to a seed, keeping the management credentials valid', async () => {
    const res = await fetch(`${emu.admin}/reset`, { method: 'POST', body: JSON.stringify({ seed: 'empty' }) });
    expect(await res.json()).toEqual({ seed: 'empty', users: 0 });
    const fresh = await managementToken(emu);
    expect(((await api(emu, fresh, 'GET', '/roles')).body as unknown[]).length).toBe(0);
    expect(((await state()).users as unknown[]).length).toBe(0);
  });
});
