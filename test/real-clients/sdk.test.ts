/**
 * The `auth0` v7 SDK, unpatched, against a `demo` emulator: token via client credentials,
 * offset and checkpoint lists walked to the end with the SDK's own pagination, gets, and the
 * typed errors the SDK derives from Auth0's error bodies.
 */
import { ManagementClient, ManagementError } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';

let emu: RunningEmulator;
let client: ManagementClient;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  client = new ManagementClient({ domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret });
});
afterAll(async () => {
  await emu?.close();
});

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of page) out.push(item);
  return out;
}

describe('auth0 SDK v7 against the emulator', () => {
  it('lists configuration with offset pagination', async () => {
    const clients = await all(await client.clients.list({ per_page: 2 }));
    expect(clients.map((c) => c.name)).toEqual(expect.arrayContaining(['All Applications', 'Demo Storefront (SPA)', 'Demo Partner Integration']));
    const page = await client.roles.list({ per_page: 4, page: 0, include_totals: true });
    expect(page.data.length).toBe(4);
    expect((page.response as { total?: number }).total).toBe(6);
    expect((await all(await client.roles.list({ per_page: 4 }))).length).toBe(6);
    const apis = await all(await client.resourceServers.list({ per_page: 50 }));
    expect(apis.map((a) => a.identifier)).toContain(`https://${emu.domain}/api/v2/`);
    const admin = (await all(await client.roles.list({ name_filter: 'Admin' })))[0];
    const perms = await all(await client.roles.permissions.list(admin?.id ?? '', { per_page: 2 }));
    expect(perms.length).toBe(5);
  });

  it('walks checkpoint lists to the end', async () => {
    const orgs = await all(await client.organizations.list({ take: 1 }));
    expect(orgs.map((o) => o.name).sort()).toEqual(['acme', 'globex']);
    const connections = await all(await client.connections.list({ take: 1 }));
    expect(connections.map((c) => c.strategy).sort()).toEqual(['auth0', 'auth0', 'google-oauth2', 'samlp']);
    const grants = await all(await client.clientGrants.list({ take: 1 }));
    expect(grants.length).toBe(2);
    const acme = orgs.find((o) => o.name === 'acme');
    const members = await all(await client.organizations.members.list(acme?.id ?? '', { take: 50 }));
    expect(members.length).toBeGreaterThan(0);
    const viewer = (await all(await client.roles.list({ name_filter: 'Viewer' })))[0];
    const roleUsers = await all(await client.roles.users.list(viewer?.id ?? '', { take: 25 }));
    expect(roleUsers.length).toBeGreaterThan(0);
  });

  it('reads users, actions, settings and maps error bodies to typed errors', async () => {
    const users = await client.users.list({ per_page: 100, page: 0, include_totals: true });
    expect((users.response as { total?: number }).total).toBe(1000);
    const actions = await all(await client.actions.list({ per_page: 10 }));
    expect(actions.map((a) => a.name).sort()).toEqual(['Add roles to ID token', 'Tag billing tokens']);
    const settings = await client.tenants.settings.get();
    expect(settings.friendly_name).toBe('a0vault demo tenant');
    const err = await client.emailTemplates.get('blocked_account').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ManagementError);
    expect((err as ManagementError).statusCode).toBe(404);
  });

  it('never reached a route the emulator does not implement', () => {
    expect(emu.stats.snapshot().unmatched).toEqual({});
  });
});
