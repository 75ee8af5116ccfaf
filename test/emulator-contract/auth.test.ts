/**
 * Token endpoint and Management API authentication, answered as Auth0 does
 * (../shared/research/auth0-api.md §6): OAuth error bodies at /oauth/token, 401 "Invalid token"
 * with WWW-Authenticate, 403 insufficient_scope, Auth0's 404 body. Expiry is driven by a
 * ManualClock (no sleeping).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { api, managementToken } from './support.js';

const clock = new ManualClock(Date.UTC(2026, 0, 1));
let emu: RunningEmulator;
let other: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'empty', clock, tokenTtl: 60 });
  other = await startEmulator({ seed: 'empty' });
});
afterAll(async () => {
  await emu?.close();
  await other?.close();
});

async function token(body: Record<string, string>, form = false): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /oauth/token', () => {
  const base = () => ({ grant_type: 'client_credentials', client_id: emu.clientId, client_secret: emu.clientSecret, audience: `https://${emu.domain}/api/v2/` });

  it('issues an RS256 JWT with the grant scopes, for form and JSON bodies', async () => {
    for (const form of [false, true]) {
      const r = await token(base(), form);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
      const [header, payload] = String(r.body.access_token).split('.');
      expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
      expect(claims).toMatchObject({ iss: `https://${emu.domain}/`, sub: `${emu.clientId}@clients`, aud: `https://${emu.domain}/api/v2/`, gty: 'client-credentials' });
      expect(String(claims.scope).split(' ')).toContain('read:clients');
      expect(claims.exp).toBe(Math.floor(clock.now() / 1000) + 60);
    }
  });

  it('answers Auth0 OAuth errors for a wrong secret, an unknown client, a bad audience and another grant type', async () => {
    expect(await token({ ...base(), client_secret: 'wrong' })).toEqual({ status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } });
    expect(await token({ ...base(), client_id: 'nope' })).toEqual({ status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } });
    expect(await token({ ...base(), audience: 'https://elsewhere.example/api/v2/' })).toEqual({
      status: 403,
      body: { error: 'access_denied', error_description: 'Service not found: https://elsewhere.example/api/v2/' },
    });
    const password = await token({ ...base(), grant_type: 'password' });
    expect(password.status).toBe(400);
    expect(password.body.error).toBe('unsupported_grant_type');
  });

  it('refuses a client without a grant for the audience', async () => {
    const created = await api(emu, await managementToken(emu), 'POST', '/clients', { name: 'no grant', app_type: 'non_interactive', grant_types: ['client_credentials'] });
    const c = created.body as { client_id: string; client_secret: string };
    const r = await token({ ...base(), client_id: c.client_id, client_secret: c.client_secret });
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('access_denied');
    expect(String(r.body.error_description)).toMatch(/^Client is not authorized to access "https:\/\/localhost:\d+\/api\/v2\/"/);
  });
});

describe('Management API authentication', () => {
  const invalid = { statusCode: 401, error: 'Unauthorized', message: 'Invalid token', attributes: { error: 'Invalid token' } };

  it('answers 401 "Invalid token" with WWW-Authenticate for a missing, malformed, foreign or expired token', async () => {
    const missing = await fetch(`${emu.url}/api/v2/clients`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual(invalid);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="Auth0"');
    expect((await api(emu, 'not.a.jwt', 'GET', '/clients')).body).toEqual(invalid);
    const foreign = await api(emu, await managementToken(other), 'GET', '/clients');
    expect(foreign.status).toBe(401);
    expect(foreign.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const fresh = await managementToken(emu);
    expect((await api(emu, fresh, 'GET', '/clients')).status).toBe(200);
    await clock.advance(61_000);
    const expired = await api(emu, fresh, 'GET', '/clients');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(invalid);
    expect(expired.headers.get('www-authenticate')).toContain('The token expired');
    // a new token works again (what an SDK's refresh does)
    expect((await api(emu, await managementToken(emu), 'GET', '/clients')).status).toBe(200);
  });

  it('answers 403 insufficient_scope for a client whose grant lacks the scope', async () => {
    const res = await fetch(`${emu.admin}/clients`, { method: 'POST', body: JSON.stringify({ scopes: ['read:clients'] }) });
    const scoped = (await res.json()) as { clientId: string; clientSecret: string };
    const t = await managementToken(emu, scoped);
    expect((await api(emu, t, 'GET', '/clients')).status).toBe(200);
    const roles = await api(emu, t, 'GET', '/roles');
    expect(roles.status).toBe(403);
    expect(roles.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:roles', errorCode: 'insufficient_scope' });
  });

  it("answers Auth0's 404 body for unknown routes and for a known path with another method", async () => {
    const t = await managementToken(emu);
    const notFound = { statusCode: 404, error: 'Not Found', message: 'Not Found' };
    expect(await api(emu, t, 'GET', '/no-such-thing')).toMatchObject({ status: 404, body: notFound });
    expect(await api(emu, t, 'PUT', '/roles')).toMatchObject({ status: 404, body: notFound });
    expect(emu.stats.snapshot().unmatched).toMatchObject({ 'GET /no-such-thing': 1, 'PUT /roles': 1 });
  });

  it('validates bodies: unknown properties, bad JSON and bodies over 1 MB', async () => {
    const t = await managementToken(emu);
    expect((await api(emu, t, 'POST', '/roles', { name: 'r', color: 'red' })).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Payload validation error: 'Additional properties not allowed: color'.",
      errorCode: 'invalid_body',
    });
    const bad = await fetch(`${emu.url}/api/v2/roles`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"name":' });
    expect(bad.status).toBe(400);
    const big = await fetch(`${emu.url}/api/v2/roles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', description: 'y'.repeat(1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ statusCode: 413, message: 'Payload content length greater than maximum allowed: 1048576' });
  });
});
