import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { A0vaultError } from '../core/errors.js';
import { parseCloneMappings } from './mappings.js';
import { prepareClone, type SecretResolver } from './prepare.js';

const require = createRequire(new URL('../../node_modules/auth0-deploy-cli/lib/index.js', import.meta.url));
const { keywordReplace } = require('./tools/utils') as { keywordReplace: (text: string, mappings: Record<string, unknown>) => string };
const jsYaml = require('js-yaml') as { load: (text: string) => unknown };

/** What deploy-cli would deploy: its own replacement on the raw text, then its YAML parser. */
function deployed(result: { files: Map<string, string>; keywordMappings: Record<string, unknown> }): Record<string, unknown> {
  return jsYaml.load(keywordReplace(result.files.get('tenant.yaml') as string, result.keywordMappings)) as Record<string, unknown>;
}

const secrets: Record<string, string> = { GOOGLE: 'g-secret-1', WEIRD: `it's a "pem"\n-----END-----\\`, DD: 'dd-key' };
const resolve: SecretResolver = (_k, source) => (source.kind === 'env' ? secrets[source.name] : undefined);

const dump = `clients:
  - name: App
    client_id: abc123
    callbacks:
      - https://app.example.com/callback
connections:
  - name: google
    id: con_1
    strategy: google-oauth2
    enabled_clients: [App, Deploy CLI]
    options:
      client_secret: '##CONNECTIONS_GOOGLE_OAUTH2_SECRET##'
  - name: workspace
    strategy: google-apps
    options:
      client_secret: '##CONNECTIONS_GOOGLE_APPS_SECRET##'
logStreams:
  - name: Datadog
    sink:
      datadogApiKey: '##LOGSTREAMS_DATADOG_SECRET##'
hooks:
  - name: my hook
    script: ./hooks/my hook.js
    secrets:
      API_TOKEN: _VALUE_NOT_SHOWN_
actions:
  - name: post login
    code: ./actions/post login/code.js
    secrets:
      - name: KEY
triggers:
  post-login:
    - action_name: post login
emailTemplates:
  - template: verify_email
    body: ./emailTemplates/verify_email.html
    from: noreply@example.com
`;

const files = () =>
  new Map([
    ['tenant.yaml', dump],
    ['hooks/my hook.js', 'module.exports = () => fetch("https://app.example.com/hook");'],
    ['actions/post login/code.js', 'exports.onExecutePostLogin = async () => { /* ##UNMAPPED_IN_CODE## */ };'],
    ['emailTemplates/verify_email.html', '<a href="https://app.example.com/verify?t={{ url }}">##SUPPORT_LINE##</a>'],
  ]);

describe('prepareClone', () => {
  it('lists every unmapped placeholder in one error, with where each is used', async () => {
    const err = await prepareClone(files(), parseCloneMappings({}), resolve).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(A0vaultError);
    expect((err as A0vaultError).code).toBe('config');
    const unmapped = (err as A0vaultError).details.unmapped as { keyword: string; where: string[] }[];
    expect(unmapped.map((u) => u.keyword)).toEqual([
      'ACTIONS_POST_LOGIN_KEY',
      'CONNECTIONS_GOOGLE_APPS_SECRET',
      'CONNECTIONS_GOOGLE_OAUTH2_SECRET',
      'HOOKS_MY_HOOK_API_TOKEN',
      'LOGSTREAMS_DATADOG_SECRET',
      'SUPPORT_LINE',
    ]);
    expect(unmapped.find((u) => u.keyword === 'CONNECTIONS_GOOGLE_OAUTH2_SECRET')?.where).toEqual(['connections[google].options.client_secret']);
    expect(unmapped.find((u) => u.keyword === 'SUPPORT_LINE')?.where).toEqual(['file:emailTemplates/verify_email.html']);
    expect((err as Error).message).toContain('6 placeholder(s) have no mapping');
  });

  it('reports unavailable secret sources together with unmapped ones, never a value', async () => {
    const m = parseCloneMappings({ secrets: { CONNECTIONS_GOOGLE_OAUTH2_SECRET: 'env:GOOGLE', CONNECTIONS_GOOGLE_APPS_SECRET: 'env:MISSING' } });
    const err = (await prepareClone(files(), m, resolve).catch((e: unknown) => e)) as A0vaultError;
    expect(err.message).toContain('CONNECTIONS_GOOGLE_APPS_SECRET: env:MISSING is not available');
    expect(err.message).toContain('LOGSTREAMS_DATADOG_SECRET');
    expect(err.message).not.toContain(secrets.GOOGLE);
  });

  const complete = parseCloneMappings({
    domains: { 'example.com': 'example.test' },
    rewrites: [{ exact: 'https://app.example.com/callback', to: 'https://localhost:3000/callback' }],
    keywords: { SUPPORT_LINE: 'Questions? support@example.test' },
    secrets: {
      CONNECTIONS_GOOGLE_OAUTH2_SECRET: 'env:GOOGLE',
      CONNECTIONS_GOOGLE_APPS_SECRET: 'env:WEIRD',
      HOOKS_MY_HOOK_API_TOKEN: 'env:DD',
      ACTIONS_POST_LOGIN_KEY: 'omit',
    },
    exclude: ['logStreams', { type: 'clients', name: 'Deploy CLI' }],
  });

  it('injects secrets through keyword mappings only, and deploy-cli reads them back intact', async () => {
    const input = files();
    const result = await prepareClone(input, complete, resolve);
    const yaml = result.files.get('tenant.yaml') as string;
    for (const value of Object.values(secrets)) {
      for (const text of result.files.values()) expect(text).not.toContain(value);
      expect(JSON.stringify(result.report)).not.toContain(value);
    }
    expect(result.keywordMappings).toEqual({
      CONNECTIONS_GOOGLE_APPS_SECRET: secrets.WEIRD,
      CONNECTIONS_GOOGLE_OAUTH2_SECRET: secrets.GOOGLE,
      HOOKS_MY_HOOK_API_TOKEN: secrets.DD,
      SUPPORT_LINE: 'Questions? support@example.test',
    });
    expect(result.report.injected).toEqual(['CONNECTIONS_GOOGLE_APPS_SECRET', 'CONNECTIONS_GOOGLE_OAUTH2_SECRET', 'HOOKS_MY_HOOK_API_TOKEN']);
    expect(result.report.keywords).toEqual(['SUPPORT_LINE']);
    expect(result.report.omitted).toEqual(['ACTIONS_POST_LOGIN_KEY']);
    expect(result.report.derived).toEqual([
      { keyword: 'HOOKS_MY_HOOK_API_TOKEN', path: 'hooks[my hook].secrets.API_TOKEN' },
      { keyword: 'ACTIONS_POST_LOGIN_KEY', path: 'actions[post login].secrets[0].value' },
    ]);
    // a value YAML cannot carry inside quotes goes through the JSON (@@) form
    expect(yaml).toContain(`'@@CONNECTIONS_GOOGLE_APPS_SECRET@@'`);
    expect(yaml).toContain(`'##CONNECTIONS_GOOGLE_OAUTH2_SECRET##'`);
    const doc = deployed(result) as {
      connections: { name: string; id?: string; enabled_clients: string[]; options: { client_secret: string } }[];
      hooks: { secrets: Record<string, string> }[];
      actions: { secrets: Record<string, unknown>[] }[];
      clients: { client_id?: string; callbacks: string[] }[];
      emailTemplates: { from: string }[];
    };
    expect(doc.connections.map((c) => c.options.client_secret)).toEqual([secrets.GOOGLE, secrets.WEIRD]);
    expect(doc.hooks[0]?.secrets.API_TOKEN).toBe(secrets.DD);
    expect(doc.actions[0]?.secrets).toEqual([{ name: 'KEY' }]);
    expect(doc.clients[0]?.callbacks).toEqual(['https://localhost:3000/callback']);
    expect(doc.clients[0]).not.toHaveProperty('client_id');
    expect(doc.connections[0]).not.toHaveProperty('id');
    expect(doc.emailTemplates[0]?.from).toBe('noreply@example.test');
    expect(doc).not.toHaveProperty('logStreams');
    // "Deploy CLI" is not a client of the snapshot: nothing to exclude, and a warning says so
    expect(doc.connections[0]?.enabled_clients).toEqual(['App', 'Deploy CLI']);
    expect(result.report.warnings).toContain('exclude clients "Deploy CLI": no such object in the snapshot');
    // the input is not modified
    expect(input.get('tenant.yaml')).toBe(dump);
  });

  it('rewrites templates but never code, and warns about matches in code', async () => {
    const result = await prepareClone(files(), complete, resolve);
    expect(result.files.get('emailTemplates/verify_email.html')).toBe('<a href="https://app.example.test/verify?t={{ url }}">##SUPPORT_LINE##</a>');
    expect(result.files.get('hooks/my hook.js')).toBe('module.exports = () => fetch("https://app.example.com/hook");');
    expect(result.report.warnings).toContain('file:hooks/my hook.js contains app.example.com: code and other non-template files are never rewritten');
    expect(result.report.warnings.some((w) => w.includes('##UNMAPPED_IN_CODE## has no mapping'))).toBe(true);
    expect(result.report.rewrites).toContainEqual({
      path: 'file:emailTemplates/verify_email.html',
      from: 'app.example.com',
      to: 'app.example.test',
      rule: 'domain example.com -> example.test',
    });
    expect(result.report.rewrites).toContainEqual({
      path: 'clients[App].callbacks[0]',
      from: 'https://app.example.com/callback',
      to: 'https://localhost:3000/callback',
      rule: 'exact https://app.example.com/callback -> https://localhost:3000/callback',
    });
  });

  it('cascades object exclusions and drops files only excluded objects referenced', async () => {
    const m = parseCloneMappings({
      secrets: { CONNECTIONS_GOOGLE_OAUTH2_SECRET: 'omit', CONNECTIONS_GOOGLE_APPS_SECRET: 'omit', LOGSTREAMS_DATADOG_SECRET: 'omit', HOOKS_MY_HOOK_API_TOKEN: 'omit' },
      keywords: { SUPPORT_LINE: 'x' },
      exclude: [{ type: 'actions', name: 'post login' }, { type: 'clients', name: 'App' }, { type: 'roles', name: 'nope' }],
    });
    const result = await prepareClone(files(), m, resolve);
    expect(result.report.excluded).toEqual([{ type: 'actions', name: 'post login' }, { type: 'clients', name: 'App' }]);
    expect(result.report.droppedFiles).toEqual(['actions/post login/code.js']);
    expect(result.files.has('actions/post login/code.js')).toBe(false);
    expect(result.report.warnings).toContain('exclude roles "nope": no such object in the snapshot');
    const doc = deployed(result) as { triggers: Record<string, unknown[]>; connections: { enabled_clients: string[]; options: object }[] };
    expect(doc.triggers['post-login']).toEqual([]);
    expect(doc.connections[0]?.enabled_clients).toEqual(['Deploy CLI']);
    expect(doc.connections[0]?.options).toEqual({});
  });

  it('refuses to omit or inject unsafely a placeholder embedded in a longer value', async () => {
    const text = `tenant:\n  support_url: https://##HOST##/help\n  friendly_name: 'Team ##TEAM##'\n`;
    const m = parseCloneMappings({ secrets: { HOST: 'omit', TEAM: 'env:WEIRD' } });
    const err = (await prepareClone(new Map([['tenant.yaml', text]]), m, resolve).catch((e: unknown) => e)) as A0vaultError;
    expect(err.code).toBe('config');
    expect(err.message).toContain('HOST (tenant.support_url) is mapped to omit but is part of a longer text');
    expect(err.message).toContain('TEAM (tenant.friendly_name): its value holds a quote');
  });

  it('keeps unquoted markers that plain YAML would read as comments', async () => {
    const text = `rulesConfigs:\n  - key: A\n    value: ##A_VALUE##\nclients:\n  - name: x\n    callbacks:\n      -  ##CB##\n    web_origins: @@ORIGINS@@\n`;
    const m = parseCloneMappings({ keywords: { A_VALUE: 'a', CB: 'https://cb.test', ORIGINS: ['https://o1.test', 'https://o2.test'] } });
    const doc = deployed(await prepareClone(new Map([['tenant.yaml', text]]), m, resolve));
    expect(doc).toEqual({ rulesConfigs: [{ key: 'A', value: 'a' }], clients: [{ name: 'x', callbacks: ['https://cb.test'], web_origins: ['https://o1.test', 'https://o2.test'] }] });
  });

  it('warns when one deploy-cli keyword stands for the secrets of several objects', async () => {
    const text = `connections:\n  - name: g1\n    options: { client_secret: '##CONNECTIONS_GOOGLE_OAUTH2_SECRET##' }\n  - name: g2\n    options: { client_secret: '##CONNECTIONS_GOOGLE_OAUTH2_SECRET##' }\n`;
    const m = parseCloneMappings({ secrets: { CONNECTIONS_GOOGLE_OAUTH2_SECRET: 'env:GOOGLE' } });
    const result = await prepareClone(new Map([['tenant.yaml', text]]), m, resolve);
    expect(result.report.warnings).toEqual(['CONNECTIONS_GOOGLE_OAUTH2_SECRET is used by connections[g1], connections[g2]: they all receive the same value']);
  });

  it('needs tenant.yaml', async () => {
    await expect(prepareClone(new Map(), parseCloneMappings({}), resolve)).rejects.toMatchObject({ code: 'config' });
  });
});
