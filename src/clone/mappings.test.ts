import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { A0vaultError } from '../core/errors.js';
import { parseCloneMappings } from './mappings.js';

function problems(input: unknown): string[] {
  try {
    parseCloneMappings(input, 'clone.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(A0vaultError);
    expect((err as A0vaultError).code).toBe('config');
    return (err as A0vaultError).details.problems as string[];
  }
  throw new Error('expected the mapping to be refused');
}

describe('parseCloneMappings', () => {
  it('normalises a full mapping file', () => {
    const m = parseCloneMappings(`
version: 1
rewrites:
  - exact: https://app.example.com/callback
    to: https://test.example.com/callback
  - prefix: https://app.example.com
    to: https://app-test.example.com
  - domain: example.com
    to: example.test
domains:
  login.example.com: localhost:3000
keywords:
  CALLBACKS: [https://a.test, https://b.test]
secrets:
  CONNECTIONS_GOOGLE_OAUTH2_SECRET: env:GOOGLE_SECRET
  SENDGRID_API_KEY: file:/run/secrets/sendgrid
  LOGSTREAMS_DATADOG_SECRET: omit
exclude:
  - logStreams
  - type: clients
    name: Deploy CLI
users:
  mode: sample:25
  scrubPii: { enabled: true, metadataFields: [user_metadata.phone] }
`);
    expect(m.rewrites).toEqual([
      { kind: 'exact', from: 'https://app.example.com/callback', to: 'https://test.example.com/callback' },
      { kind: 'prefix', from: 'https://app.example.com', to: 'https://app-test.example.com' },
      { kind: 'domain', from: 'example.com', to: 'example.test' },
      { kind: 'domain', from: 'login.example.com', to: 'localhost:3000' },
    ]);
    expect(m.secrets).toEqual({
      CONNECTIONS_GOOGLE_OAUTH2_SECRET: { kind: 'env', name: 'GOOGLE_SECRET' },
      SENDGRID_API_KEY: { kind: 'file', path: '/run/secrets/sendgrid' },
      LOGSTREAMS_DATADOG_SECRET: { kind: 'omit' },
    });
    expect(m.keywords).toEqual({ CALLBACKS: ['https://a.test', 'https://b.test'] });
    expect(m.exclude).toEqual([{ type: 'logStreams' }, { type: 'clients', name: 'Deploy CLI' }]);
    expect(m.users).toEqual({ mode: { kind: 'sample', size: 25 }, scrubPii: { enabled: true, metadataFields: ['user_metadata.phone'] } });
  });

  it('defaults an empty file to no rewrites, no users and no scrubbing', () => {
    expect(parseCloneMappings('')).toEqual({
      rewrites: [],
      keywords: {},
      secrets: {},
      exclude: [],
      users: { mode: { kind: 'none' }, scrubPii: { enabled: false, metadataFields: [] } },
    });
  });

  it('names the path of unknown keys, at any depth, all at once', () => {
    const list = problems({ rewrite: [], users: { scrubPii: { enabled: true, fields: [] } }, secrets: {} });
    expect(list).toContain('/rewrite: unknown key');
    expect(list).toContain('/users/scrubPii/fields: unknown key');
  });

  it('names the path of wrong values', () => {
    expect(problems({ secrets: { GOOGLE_SECRET: 'vault:kv/google' } }).join('\n')).toMatch(/^\/secrets\/GOOGLE_SECRET: must match pattern/m);
    expect(problems({ users: { mode: 'some' } }).join('\n')).toMatch(/^\/users\/mode: must match pattern/m);
    expect(problems({ rewrites: [{ prefix: 'https://a', to: 'x', exact: 'y' }] })).toContain('/rewrites/0: does not match any accepted form');
    expect(problems({ domains: { 'not a host': 'x.test' } }).join('\n')).toMatch(/\/domains/);
    expect(problems({ secrets: { lower_case: 'omit' } }).join('\n')).toMatch(/\/secrets/);
  });

  it('refuses unknown resource types (a typo would clone what was meant to stay out)', () => {
    expect(problems({ exclude: ['logstreams', { type: 'client', name: 'x' }] })).toEqual([
      '/exclude/0: unknown resource type "logstreams"',
      '/exclude/1/type: unknown resource type "client"',
    ]);
  });

  it('refuses a keyword given both as a secret and as a plain value', () => {
    expect(problems({ keywords: { X_SECRET: 'a' }, secrets: { X_SECRET: 'env:X' } })).toEqual(['/secrets/X_SECRET: also given under /keywords/X_SECRET']);
  });

  it('reports invalid YAML as a config error', () => {
    expect(() => parseCloneMappings('rewrites: [', 'my.yaml')).toThrow(/my.yaml is not valid YAML/);
  });

  it('accepts the example of docs/clone.md', () => {
    const doc = readFileSync(new URL('../../docs/clone.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const m = parseCloneMappings(example as string, 'docs/clone.md');
    expect(m.rewrites.length).toBeGreaterThan(0);
    expect(Object.keys(m.secrets).length).toBeGreaterThan(0);
  });
});
