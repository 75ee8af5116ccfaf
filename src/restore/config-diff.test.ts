import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffConfig, inlineFiles, isMaskedValue, objectKey, REDACTED_VALUE } from './config-diff.js';
import type { ConfigDoc } from './types.js';

const base = (): ConfigDoc => ({
  clients: [
    { name: 'My SPA', client_id: 'SRC1', app_type: 'spa', callbacks: ['https://a/cb', 'https://b/cb'], jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000 } },
    { name: 'Backend', client_id: 'SRC2', app_type: 'non_interactive' },
  ],
  resourceServers: [{ name: 'API', identifier: 'https://api', scopes: [{ value: 'read' }, { value: 'write' }] }],
  clientGrants: [{ client_id: 'Backend', audience: 'https://api', scope: ['read', 'write'] }],
  roles: [{ name: 'admin', description: 'Admins', permissions: [{ permission_name: 'read', resource_server_identifier: 'https://api' }] }],
  emailTemplates: [{ template: 'verify_email', enabled: true, body: '<p>hi</p>' }],
  tenant: { friendly_name: 'Acme', enabled_locales: ['en', 'de'], flags: { a: true } },
});

describe('diffConfig', () => {
  it('finds nothing to do when the target equals the snapshot, ignoring ids and set order', () => {
    const target = base();
    (target.clients as Record<string, unknown>[])[0] = { ...(target.clients as Record<string, unknown>[])[0], client_id: 'OTHER', callbacks: ['https://b/cb', 'https://a/cb'] };
    (target.roles as Record<string, unknown>[])[0]!.id = 'rol_target';
    const d = diffConfig(base(), target, { allowDelete: false });
    for (const diff of Object.values(d.types)) {
      expect(diff.create).toEqual([]);
      expect(diff.update).toEqual([]);
      expect(diff.onlyInTarget).toEqual([]);
    }
    expect(d.types.clients?.unchanged).toBe(2);
    expect(d.types.tenant?.unchanged).toBe(1);
    expect(Object.keys(d.types)).toEqual(['resourceServers', 'clients', 'clientGrants', 'roles', 'emailTemplates', 'tenant']);
  });

  it('classifies create, update (deep paths), unchanged and only-in-target per type', () => {
    const snap = base();
    const target = base();
    target.clients = [
      { name: 'My SPA', app_type: 'spa', callbacks: ['https://a/cb'], jwt_configuration: { alg: 'HS256', lifetime_in_seconds: 36000 } },
      { name: 'Legacy', app_type: 'regular_web' },
    ];
    target.tenant = { friendly_name: 'Acme', enabled_locales: ['de', 'en'], flags: { a: false } };
    const d = diffConfig(snap, target, { allowDelete: false });
    const clients = d.types.clients!;
    expect(clients.create.map((c) => c.name)).toEqual(['Backend']);
    expect(clients.create[0]).not.toHaveProperty('client_id');
    expect(clients.update).toEqual([
      {
        name: 'My SPA',
        changes: [
          { path: 'callbacks', from: ['https://a/cb'], to: ['https://a/cb', 'https://b/cb'] },
          { path: 'jwt_configuration.alg', from: 'HS256', to: 'RS256' },
        ],
      },
    ]);
    expect(clients.onlyInTarget).toEqual([{ name: 'Legacy', willDelete: false }]);
    // enabled_locales is ordered (the first is the default locale)
    expect(d.types.tenant?.update[0]?.changes.map((c) => c.path)).toEqual(['enabled_locales', 'flags.a']);
  });

  it('matches resource servers by identifier, grants by client and audience, templates by template', () => {
    const target = base();
    target.resourceServers = [{ name: 'Renamed API', identifier: 'https://api', scopes: [{ value: 'write' }, { value: 'read' }] }];
    target.clientGrants = [{ client_id: 'Backend', audience: 'https://other', scope: ['read'] }];
    target.emailTemplates = [{ template: 'verify_email', enabled: false, body: '<p>hi</p>' }];
    const d = diffConfig(base(), target, { allowDelete: true });
    expect(d.types.resourceServers?.update).toEqual([{ name: 'https://api', changes: [{ path: 'name', from: 'Renamed API', to: 'API' }] }]);
    expect(d.types.clientGrants?.create).toHaveLength(1);
    expect(d.types.clientGrants?.onlyInTarget).toEqual([{ name: 'Backend → https://other', willDelete: true }]);
    expect(d.types.emailTemplates?.update[0]).toEqual({ name: 'verify_email', changes: [{ path: 'enabled', from: false, to: true }] });
    expect(objectKey('clientGrants', { client_id: 'a', audience: 'b' })).toBe('a → b');
  });

  it('deletes only with allowDelete, and never protected objects', () => {
    const target = base();
    (target.roles as unknown[]).push({ name: 'extra' }, { name: 'keeper' });
    (target.clients as unknown[]).push({ name: 'a0vault' });
    const protect = { clients: ['a0vault'] };
    const off = diffConfig(base(), target, { allowDelete: false, protect });
    expect(off.types.roles?.onlyInTarget.every((o) => !o.willDelete)).toBe(true);
    const on = diffConfig(base(), target, { allowDelete: true, protect });
    expect(on.types.roles?.onlyInTarget).toEqual([
      { name: 'extra', willDelete: true },
      { name: 'keeper', willDelete: true },
    ]);
    expect(on.types.clients?.onlyInTarget).toEqual([{ name: 'a0vault', willDelete: false }]);
  });

  it('treats masked values and write-only fields as "cannot compare", listed once, never as changes', () => {
    const conn = (secret: string, key: string) => ({ name: 'github', strategy: 'github', options: { client_id: 'x', client_secret: secret }, extra: [{ k: key }] });
    const snap: ConfigDoc = {
      connections: [conn('##CONNECTIONS_GITHUB_SECRET##', '_VALUE_NOT_SHOWN_'), { ...conn('##CONNECTIONS_GITHUB_SECRET##', 'v'), name: 'gh2' }],
      clients: [{ name: 'App', client_secret: 'plain-secret-from-include-props' }],
      logStreams: [{ name: 'Datadog', sink: { datadogApiKey: '##LOGSTREAMS_DATADOG_SECRET##', datadogRegion: 'us' } }],
    };
    const target: ConfigDoc = {
      connections: [conn('real-value', 'real'), { ...conn('##CONNECTIONS_GITHUB_SECRET##', 'v'), name: 'gh2' }],
      clients: [{ name: 'App' }],
      logStreams: [{ name: 'Datadog', sink: { datadogApiKey: '##LOGSTREAMS_DATADOG_SECRET##', datadogRegion: 'eu' } }],
    };
    const d = diffConfig(snap, target, { allowDelete: false });
    expect(d.types.connections?.update).toEqual([]);
    expect(d.types.clients?.update).toEqual([]);
    expect(d.types.logStreams?.update).toEqual([{ name: 'Datadog', changes: [{ path: 'sink.datadogRegion', from: 'eu', to: 'us' }] }]);
    expect(d.cannotCompare).toEqual([
      'clients[App].client_secret',
      'connections[gh2].options.client_secret',
      'connections[github].extra.0.k',
      'connections[github].options.client_secret',
      'logStreams[Datadog].sink.datadogApiKey',
    ]);
    expect(isMaskedValue('##A_B1##')).toBe(true);
    expect(isMaskedValue('##lower##')).toBe(false);
    expect(isMaskedValue('https://##DOMAIN##/x')).toBe(false);
  });

  it('redacts secret values in created objects and in changes', () => {
    const snap: ConfigDoc = {
      connections: [{ name: 'google', options: { client_secret: 'real-new', client_id: 'id' } }, { name: 'fresh', options: { client_secret: 'abc', api_key: '##K##' } }],
    };
    const target: ConfigDoc = { connections: [{ name: 'google', options: { client_secret: 'real-old', client_id: 'id' } }] };
    const d = diffConfig(snap, target, { allowDelete: false });
    expect(d.types.connections?.create).toEqual([{ name: 'fresh', options: { client_secret: REDACTED_VALUE, api_key: '##K##' } }]);
    // client_secret of connections is write-only: not compared at all
    expect(d.types.connections?.update).toEqual([]);
    const e = diffConfig({ logStreams: [{ name: 'S', sink: { splunkToken: 'new' } }] }, { logStreams: [{ name: 'S', sink: { splunkToken: 'old' } }] }, { allowDelete: false });
    expect(e.types.logStreams?.update[0]?.changes).toEqual([{ path: 'sink.splunkToken', from: REDACTED_VALUE, to: REDACTED_VALUE }]);
    expect(JSON.stringify(e)).not.toMatch(/"(new|old)"/);
  });

  it('ignores fields and types only the target has, unless reporting a diff', () => {
    const snap: ConfigDoc = { roles: [{ name: 'r', description: 'd' }], tenant: { friendly_name: 'A' } };
    const target: ConfigDoc = { roles: [{ name: 'r', description: 'd', extra: 1 }], tenant: { friendly_name: 'A', sandbox_version: '18' }, hooks: [{ name: 'h' }] };
    const restore = diffConfig(snap, target, { allowDelete: false });
    expect(Object.keys(restore.types)).toEqual(['roles', 'tenant']);
    expect(restore.types.roles?.unchanged).toBe(1);
    expect(restore.types.tenant?.unchanged).toBe(1);
    const report = diffConfig(snap, target, { allowDelete: false, fieldsOnlyInTarget: 'report' });
    expect(report.types.roles?.update[0]?.changes).toEqual([{ path: 'extra', from: 1 }]);
    expect(report.types.hooks?.onlyInTarget).toEqual([{ name: 'h', willDelete: false }]);
  });

  it('compares permission sets regardless of order but keeps trigger bindings ordered', () => {
    const perm = (p: string) => ({ permission_name: p, resource_server_identifier: 'https://api' });
    const bind = (a: string) => ({ action_name: a, display_name: a });
    const snap: ConfigDoc = { roles: [{ name: 'r', permissions: [perm('a'), perm('b')] }], triggers: { 'post-login': [bind('x'), bind('y')] } };
    const target: ConfigDoc = { roles: [{ name: 'r', permissions: [perm('b'), perm('a')] }], triggers: { 'post-login': [bind('y'), bind('x')] } };
    const d = diffConfig(snap, target, { allowDelete: false });
    expect(d.types.roles?.unchanged).toBe(1);
    expect(d.types.triggers?.update[0]?.changes.map((c) => c.path)).toEqual(['post-login']);
  });

  it('restricts to the given types and objects, and warns about duplicate names', () => {
    const snap: ConfigDoc = { databases: [{ name: 'db1', x: 1 }, { name: 'db2', x: 1 }], roles: [{ name: 'r' }, { name: 'r' }] };
    const target: ConfigDoc = { databases: [{ name: 'db1', x: 2 }, { name: 'db2', x: 2 }, { name: 'db3' }], roles: [] };
    const d = diffConfig(snap, target, { allowDelete: true, types: ['databases'], objectFilter: (_t, key) => key === 'db1' });
    expect(Object.keys(d.types)).toEqual(['databases']);
    expect(d.types.databases?.update.map((u) => u.name)).toEqual(['db1']);
    expect(d.types.databases?.onlyInTarget).toEqual([]);
    expect(diffConfig(snap, target, { allowDelete: false }).warnings).toEqual(['snapshot roles: more than one object is named "r"; the first is used']);
  });

  it('compares a real deploy-cli export with itself, and with its identifiers stripped, as unchanged', () => {
    const doc = parse(readFileSync(new URL('../../../shared/real-tenants/vibecodes-comingsoon/tenant.yaml', import.meta.url), 'utf8')) as ConfigDoc;
    const stripped = structuredClone(doc);
    for (const value of Object.values(stripped)) {
      if (Array.isArray(value)) for (const o of value) if (o && typeof o === 'object') for (const k of ['id', 'client_id', 'themeId']) delete (o as Record<string, unknown>)[k];
    }
    for (const target of [doc, stripped]) {
      const d = diffConfig(doc, target, { allowDelete: true, fieldsOnlyInTarget: 'report' });
      const changed = Object.entries(d.types).filter(([, t]) => t.create.length + t.update.length + t.onlyInTarget.length > 0);
      expect(changed).toEqual([]);
      expect(d.cannotCompare).toContain('connections[github].options.client_secret');
      expect(d.cannotCompare).toContain('logStreams[Datadog].sink.datadogApiKey');
    }
  });
});

describe('inlineFiles', () => {
  it('replaces references to files by their content, with or without ./', () => {
    const doc: ConfigDoc = { actions: [{ name: 'a', code: './actions/a/code.js' }], emailTemplates: [{ template: 't', body: 'emailTemplates/t.html' }], x: 'keep' };
    const files = new Map([
      ['actions/a/code.js', 'exports.onExecutePostLogin = async () => {};'],
      ['emailTemplates/t.html', '<p/>'],
    ]);
    expect(inlineFiles(doc, files)).toEqual({
      actions: [{ name: 'a', code: 'exports.onExecutePostLogin = async () => {};' }],
      emailTemplates: [{ template: 't', body: '<p/>' }],
      x: 'keep',
    });
    expect(doc.actions).toEqual([{ name: 'a', code: './actions/a/code.js' }]);
  });
});
