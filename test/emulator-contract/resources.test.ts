/**
 * Resource semantics deploy-cli depends on: ids and 409s on create, update merging, enabled
 * clients, organization connections given at creation, tenant lifetimes in minutes, action
 * deploys and bindings, and 404s for unset singletons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { api, managementToken } from './support.js';

let emu: RunningEmulator;
let token = '';
const call = (method: string, path: string, body?: unknown) => api(emu, token, method, path, body);

beforeAll(async () => {
  emu = await startEmulator({ seed: 'empty' });
  token = await managementToken(emu);
});
afterAll(async () => {
  await emu?.close();
});

describe('configuration resources', () => {
  it('creates ids shaped like Auth0 and answers 409 for duplicate names', async () => {
    const conn = await call('POST', '/connections', { name: 'db-two', strategy: 'auth0' });
    expect(conn.status).toBe(201);
    expect((conn.body as { id: string }).id).toMatch(/^con_[A-Za-z0-9]{16}$/);
    expect((await call('POST', '/connections', { name: 'db-two', strategy: 'auth0' })).body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'A connection with the same name already exists',
    });
    const client = (await call('POST', '/clients', { name: 'app' })).body as { client_id: string; client_secret: string };
    expect(client.client_id).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(client.client_secret.length).toBeGreaterThanOrEqual(48);
    expect((await call('POST', '/roles', { name: 'r' })).status).toBe(200);
    expect((await call('POST', '/roles', { name: 'r' })).status).toBe(409);
  });

  it('merges PATCHes at the top level, and inside jwt_configuration for clients', async () => {
    const c = (await call('POST', '/clients', { name: 'merge me', description: 'd', jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 100 } })).body as { client_id: string };
    const patched = (await call('PATCH', `/clients/${c.client_id}`, { jwt_configuration: { lifetime_in_seconds: 200 } })).body as Record<string, unknown>;
    expect(patched.description).toBe('d');
    expect(patched.jwt_configuration).toEqual({ alg: 'RS256', lifetime_in_seconds: 200 });
  });

  it('enables connections for clients through PATCH /connections/{id}/clients', async () => {
    const conn = (await call('POST', '/connections', { name: 'db-three', strategy: 'auth0' })).body as { id: string };
    const c = (await call('POST', '/clients', { name: 'enabled' })).body as { client_id: string };
    expect((await call('PATCH', `/connections/${conn.id}/clients`, [{ client_id: c.client_id, status: true }])).status).toBe(204);
    expect((await call('GET', `/connections/${conn.id}/clients?take=50`)).body).toEqual({ clients: [{ client_id: c.client_id }] });
    expect((await call('GET', `/connections/${conn.id}`)).body).toMatchObject({ enabled_clients: [c.client_id] });
    expect((await call('PATCH', `/connections/${conn.id}/clients`, [{ client_id: c.client_id, status: false }])).status).toBe(204);
    expect((await call('GET', `/connections/${conn.id}/clients`)).body).toEqual({ clients: [] });
  });

  it('turns enabled_connections given at organization creation into organization connections', async () => {
    const upa = emu.store.findBy('connections', 'name', 'Username-Password-Authentication');
    const org = (await call('POST', '/organizations', { name: 'withconn', enabled_connections: [{ connection_id: upa?.id, assign_membership_on_login: true }] })).body as { id: string };
    const conns = (await call('GET', `/organizations/${org.id}/enabled_connections`)).body as Record<string, unknown>[];
    expect(conns).toEqual([
      { connection_id: upa?.id, assign_membership_on_login: true, show_as_button: true, is_signup_enabled: false, connection: { name: 'Username-Password-Authentication', strategy: 'auth0' } },
    ]);
    expect((await call('POST', '/organizations', { name: 'badconn', enabled_connections: [{ connection_id: 'con_0000000000000000' }] })).status).toBe(404);
  });

  it('stores session lifetimes sent in minutes as hours, as deploy-cli expects', async () => {
    await call('PATCH', '/tenants/settings', { session_lifetime_in_minutes: 10080, flags: { revoke_refresh_token_grant: true } });
    const settings = (await call('GET', '/tenants/settings')).body as Record<string, unknown>;
    expect(settings.session_lifetime).toBe(168);
    expect(settings).not.toHaveProperty('session_lifetime_in_minutes');
    expect(settings.flags).toMatchObject({ revoke_refresh_token_grant: true, enable_public_signup_user_exists_error: true });
  });

  it('deploys actions, binds them by name, and keeps secret values sent by name only', async () => {
    const a = (await call('POST', '/actions/actions', { name: 'act', code: 'x', supported_triggers: [{ id: 'post-login', version: 'v3' }], secrets: [{ name: 'K', value: 'v1' }] })).body as { id: string };
    expect((await call('PATCH', '/actions/triggers/post-login/bindings', { bindings: [{ ref: { type: 'action_name', value: 'act' } }] })).status).toBe(400);
    expect((await call('POST', `/actions/actions/${a.id}/deploy`)).status).toBe(202);
    const bound = (await call('PATCH', '/actions/triggers/post-login/bindings', { bindings: [{ ref: { type: 'action_name', value: 'act' }, display_name: 'act' }] })).body as { bindings: { action: { id: string } }[] };
    expect(bound.bindings.map((b) => b.action.id)).toEqual([a.id]);
    await call('PATCH', `/actions/actions/${a.id}`, { secrets: [{ name: 'K' }] });
    const stored = emu.store.get('actions', a.id) as { secrets: { name: string; value: string }[]; all_changes_deployed: boolean };
    expect(stored.secrets).toEqual([expect.objectContaining({ name: 'K', value: 'v1' })]);
    expect(stored.all_changes_deployed).toBe(false);
    const shown = (await call('GET', `/actions/actions/${a.id}`)).body as { secrets: Record<string, unknown>[] };
    expect(shown.secrets[0]).not.toHaveProperty('value');
  });

  it('answers 404 for settings a new tenant does not have, until they are set', async () => {
    expect((await call('GET', '/emails/provider')).status).toBe(404);
    expect((await call('GET', '/email-templates/verify_email')).status).toBe(404);
    expect((await call('PATCH', '/email-templates/verify_email', { subject: 's' })).status).toBe(404);
    expect((await call('GET', '/branding/themes/default')).status).toBe(404);
    expect((await call('POST', '/email-templates', { template: 'verify_email', body: '<p/>', from: 'a@example.test', subject: 's', syntax: 'liquid', enabled: true })).status).toBe(200);
    expect((await call('GET', '/email-templates/verify_email')).body).toMatchObject({ template: 'verify_email', subject: 's' });
  });
});
