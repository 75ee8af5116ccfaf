import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { load, parseConfig } from './load.js';

const parse = (text: string, exists: (p: string) => boolean = () => true) => parseConfig(text, { source: 'a0vault.config.yaml', baseDir: '/etc/a0vault', exists });

const GOOD = `
version: 1
locations:
  nightly: { url: gs://acme-backups/auth0, gcsEndpoint: https://storage.example.internal }
  local: ./backups
tenants:
  - domain: acme.eu.auth0.com
    clientId: abc123
    clientSecret: { env: ACME_SECRET }
  - domain: staging.acme.eu.auth0.com
    accessToken: { file: /run/secrets/staging-token }
budgets: { apiBudget: 40, maxRps: 10, maxDeletes: 100 }
retention:
  default: { keep-daily: 7, keep-weekly: 4 }
  locations:
    nightly: { keep-last: 3, keep-monthly: unlimited }
  tenants:
    acme.eu.auth0.com: { keep-daily: 30 }
mappings:
  staging.acme.eu.auth0.com: ./clone-staging.yaml
`;

describe('parseConfig', () => {
  it('accepts a complete file without warnings', () => {
    const r = parse(GOOD);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config?.budgets).toEqual({ apiBudget: 40, maxRps: 10, maxDeletes: 100 });
    expect(r.config?.retention?.locations?.nightly).toEqual({ 'keep-last': 3, 'keep-monthly': 'unlimited' });
  });

  it('an empty file is an empty config', () => {
    expect(parse('')).toEqual({ config: {}, warnings: [], errors: [] });
  });

  it('names the path of an unknown key, with a suggestion', () => {
    const r = parse('tenants:\n  - domian: acme.eu.auth0.com\n');
    expect(r.config).toBeUndefined();
    expect(r.errors).toContain('/tenants/0/domian: unknown key "domian" (did you mean "domain"?)');
    expect(r.errors).toContain("/tenants/0: must have required property 'domain'");
  });

  it('lists every problem at once, at every level', () => {
    const r = parse(
      [
        'budget: {}',
        'budgets: { apiBudget: 0, maxRPS: 3 }',
        'retention: { default: { keep-dayly: 3, keep-last: -1, keep-weekly: forever } }',
        'locations: { "gs://x": y, ok: { url: z, extra: 1 } }',
        'tenants: [{ domain: a.example.com, clientSecret: { env: X, file: y } }]',
      ].join('\n'),
    );
    expect(r.errors).toEqual(
      expect.arrayContaining([
        '/budget: unknown key "budget" (did you mean "budgets"?)',
        '/budgets/apiBudget: must be > 0',
        '/budgets/maxRPS: unknown key "maxRPS" (did you mean "maxRps"?)',
        '/retention/default/keep-dayly: unknown key "keep-dayly" (did you mean "keep-daily"?)',
        '/retention/default/keep-last: must be >= 0',
        '/retention/default/keep-weekly: must be a non-negative integer or "unlimited"',
        '/locations/gs://x: invalid name "gs://x"',
        '/locations/ok/extra: unknown key "extra"',
        '/tenants/0/clientSecret: give exactly one of env, file or value',
      ]),
    );
  });

  it('reports YAML syntax errors and duplicate keys with line and column', () => {
    expect(parse('budgets: { apiBudget: 40\n').errors[0]).toMatch(/^a0vault\.config\.yaml:\d+:\d+: /);
    expect(parse('budgets: {}\nbudgets: {}\n').errors[0]).toMatch(/^a0vault\.config\.yaml:2:1: .*[Mm]ap keys must be unique/);
  });

  it('warns about inline secrets, and never echoes them', () => {
    const r = parse('tenants:\n  - domain: a.example.com\n    clientId: x\n    clientSecret: s3cr3t-value\n  - domain: b.example.com\n    accessToken: { value: tok-value }\n');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      '/tenants/0/clientSecret: secret written inline in the config file; use { env: NAME } or { file: path }',
      '/tenants/1/accessToken: secret written inline in the config file; use { env: NAME } or { file: path }',
    ]);
    expect(r.warnings.join(' ')).not.toMatch(/s3cr3t|tok-value/);
  });

  it('checks what the schema cannot: duplicate tenants, unknown location references, credential combinations, mapping files', () => {
    const r = parse(
      [
        'tenants:',
        '  - { domain: a.example.com, clientSecret: { env: S } }',
        '  - { domain: A.example.com, clientId: x, clientSecret: { env: S }, accessToken: { env: T } }',
        'retention: { locations: { nowhere: { keep-last: 1 } } }',
      ].join('\n'),
    );
    expect(r.errors).toEqual([
      '/tenants/0/clientId: required with clientSecret',
      '/tenants/1/domain: tenant "A.example.com" is also /tenants/0',
      '/tenants/1: give clientSecret or accessToken, not both',
      '/retention/locations/nowhere: no location named "nowhere" in /locations',
    ]);
    const seen: string[] = [];
    const m = parse('mappings: { b.example.com: ./m.yaml }', (p) => (seen.push(p), false));
    expect(m.warnings).toEqual(['/mappings/b.example.com: mapping file ./m.yaml does not exist (yet)']);
    expect(seen).toEqual(['/etc/a0vault/m.yaml']);
  });
});

describe('load', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const tmp = async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'a0vault-config-'));
    dirs.push(d);
    return d;
  };

  it('reads ./a0vault.config.yaml when present, and is empty without one', async () => {
    const dir = await tmp();
    expect(load({ cwd: dir })).toEqual({ config: undefined, warnings: [], errors: [] });
    await writeFile(path.join(dir, 'a0vault.config.yaml'), 'budgets: { maxRps: 5 }\n');
    const r = load({ cwd: dir });
    expect(r.path).toBe(path.join(dir, 'a0vault.config.yaml'));
    expect(r.config).toEqual({ budgets: { maxRps: 5 } });
  });

  it('an explicitly named file must exist', async () => {
    const dir = await tmp();
    const r = load({ cwd: dir, file: 'other.yaml' });
    expect(r.errors).toEqual([`${path.join(dir, 'other.yaml')}: cannot read the config file (ENOENT)`]);
  });
});

describe('docs/configuration.md', () => {
  it('its example file is valid, without warnings except the mapping file that does not exist here', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const example = /```yaml\n(# a0vault\.config\.yaml\n[\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const r = parseConfig(example ?? '', { source: 'docs', baseDir: '/etc/a0vault', exists: () => false });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(['/mappings/acme-staging.eu.auth0.com: mapping file ./clone-staging.yaml does not exist (yet)']);
    expect(Object.keys(r.config ?? {})).toEqual(['version', 'locations', 'tenants', 'budgets', 'retention', 'mappings']);
  });
});
