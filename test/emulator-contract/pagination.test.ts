/**
 * Pagination exactly as Auth0 (../shared/research/auth0-api.md §4): bare arrays without
 * include_totals, the wrapper object with it, per_page > 100 refused, the 1,000-result offset
 * cap, checkpoint `from`/`take` with `next` only while more remain, `fields` projection and
 * the filters deploy-cli relies on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { api, managementToken } from './support.js';

let emu: RunningEmulator;
let token = '';

beforeAll(async () => {
  emu = await startEmulator({ seed: 'empty' });
  token = await managementToken(emu);
  for (let i = 0; i < 120; i++) {
    const r = await api(emu, token, 'POST', '/roles', { name: `role-${String(i).padStart(3, '0')}` });
    if (r.status !== 200) throw new Error(r.text);
  }
  for (let i = 0; i < 7; i++) await api(emu, token, 'POST', '/organizations', { name: `org-${i}` });
});
afterAll(async () => {
  await emu?.close();
});

describe('offset pagination', () => {
  it('answers a bare array without include_totals and the wrapper with it', async () => {
    const bare = await api(emu, token, 'GET', '/roles?page=1&per_page=50');
    expect(Array.isArray(bare.body)).toBe(true);
    expect((bare.body as { name: string }[]).map((r) => r.name).slice(0, 2)).toEqual(['role-050', 'role-051']);
    const wrapped = (await api(emu, token, 'GET', '/roles?page=2&per_page=50&include_totals=true')).body as Record<string, unknown>;
    expect(Object.keys(wrapped).sort()).toEqual(['limit', 'roles', 'start', 'total']);
    expect(wrapped).toMatchObject({ start: 100, limit: 50, total: 120 });
    expect((wrapped.roles as unknown[]).length).toBe(20);
  });

  it('refuses per_page over 100 with Auth0\'s query validation message', async () => {
    const r = await api(emu, token, 'GET', '/roles?per_page=101');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Query validation error: 'Value 101 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50).",
      errorCode: 'invalid_query_string',
    });
  });

  it('refuses offsets past 1,000 results where Auth0 caps them', async () => {
    const r = await api(emu, token, 'GET', '/organizations?page=10&per_page=100');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ errorCode: 'invalid_paging', message: 'Requesting page exceeds the allowed maximum of 1000 records.' });
    expect((await api(emu, token, 'GET', '/organizations?page=9&per_page=100')).status).toBe(200);
  });

  it('projects fields and applies the filters deploy-cli uses', async () => {
    const fields = (await api(emu, token, 'GET', '/roles?page=0&per_page=1&fields=name&include_fields=true')).body as Record<string, unknown>[];
    expect(fields).toEqual([{ name: 'role-000' }]);
    const global = (await api(emu, token, 'GET', '/clients?is_global=true')).body as Record<string, unknown>[];
    expect(global.map((c) => c.name)).toEqual(['All Applications']);
    const nonGlobal = (await api(emu, token, 'GET', '/clients?is_global=false')).body as Record<string, unknown>[];
    expect(nonGlobal.every((c) => c.global === false)).toBe(true);
    const dbs = (await api(emu, token, 'GET', '/connections?strategy=auth0')).body as Record<string, unknown>[];
    expect(dbs.map((c) => c.name)).toEqual(['Username-Password-Authentication']);
    expect((await api(emu, token, 'GET', '/connections?strategy=google-oauth2')).body).toEqual([]);
    const named = (await api(emu, token, 'GET', '/roles?name_filter=ROLE-11&per_page=100')).body as unknown[];
    expect(named.length).toBe(10);
  });
});

describe('checkpoint pagination', () => {
  it('walks every item with take/from, `next` present only while more remain', async () => {
    const seen: string[] = [];
    let from: string | undefined;
    let pages = 0;
    for (;;) {
      const r = (await api(emu, token, 'GET', `/organizations?take=3${from ? `&from=${from}` : ''}&include_totals=true`)).body as { organizations: { name: string }[]; next?: string };
      pages++;
      expect(Object.keys(r).every((k) => k === 'organizations' || k === 'next')).toBe(true);
      seen.push(...r.organizations.map((o) => o.name));
      if (!r.next) break;
      from = r.next;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['org-0', 'org-1', 'org-2', 'org-3', 'org-4', 'org-5', 'org-6']);
  });

  it('keeps a cursor valid when earlier items are deleted', async () => {
    const first = (await api(emu, token, 'GET', '/organizations?take=2')).body as { organizations: { id: string }[]; next: string };
    await api(emu, token, 'DELETE', `/organizations/${first.organizations[0]?.id}`);
    const second = (await api(emu, token, 'GET', `/organizations?take=2&from=${first.next}`)).body as { organizations: { name: string }[] };
    expect(second.organizations.map((o) => o.name)).toEqual(['org-2', 'org-3']);
  });
});
