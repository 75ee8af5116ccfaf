import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCredentials } from './credentials.js';
import { parseTenantsFile } from './tenants-file.js';
import { tenantsSchema } from './tenants-schema.js';

const signal = new AbortController().signal;

function problemsOf(text: string): string[] {
  try {
    parseTenantsFile(text, 'tenants.yaml');
  } catch (err) {
    expect((err as { code?: string }).code).toBe('config');
    return ((err as { details: { problems: string[] } }).details.problems ?? []).slice();
  }
  throw new Error('expected the file to be rejected');
}

describe('tenants file', () => {
  it('schemas/tenants.schema.json matches the schema the code uses', async () => {
    const file = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../schemas/tenants.schema.json'), 'utf8')) as unknown;
    expect(file).toEqual(tenantsSchema);
  });

  it('reads env, token and file references', () => {
    const f = parseTenantsFile(
      `tenants:
  - domain: a.eu.auth0.com
    credentials: { clientIdEnv: A_ID, clientSecretEnv: A_SECRET }
  - domain: b.eu.auth0.com
    credentials: { accessTokenEnv: B_TOKEN }
  - domain: c.eu.auth0.com
    credentials: { file: secrets/c.json }
`,
      '/etc/a0vault/tenants.yaml',
    );
    expect(f.baseDir).toBe('/etc/a0vault');
    expect(f.tenants.map((t) => t.domain)).toEqual(['a.eu.auth0.com', 'b.eu.auth0.com', 'c.eu.auth0.com']);
  });

  it('names the path of every unknown key and flags inline secrets', () => {
    const problems = problemsOf(`tenants:
  - domain: a.eu.auth0.com
    credentials: { clientIdEnv: A_ID, clientSecret: s3cr3t-value }
  - domain: b.eu.auth0.com
    region: eu
    credentials: { accessTokenEnv: B }
extra: 1
`);
    expect(problems).toContain('/tenants/0/credentials: unknown key "clientSecret" (secret values are not allowed in a tenants file: name an environment variable or a file)');
    expect(problems).toContain('/tenants/1: unknown key "region"');
    expect(problems).toContain('/: unknown key "extra"');
    expect(problems.join('\n')).not.toContain('s3cr3t-value');
  });

  it('asks for exactly one kind of credentials reference', () => {
    expect(problemsOf('tenants:\n  - domain: a.x\n    credentials: { clientIdEnv: A }\n')).toEqual([
      '/tenants/0/credentials: give exactly one of clientIdEnv + clientSecretEnv, accessTokenEnv, or file',
    ]);
    expect(problemsOf('tenants:\n  - domain: a.x\n    credentials: { accessTokenEnv: A, file: f }\n')).toHaveLength(1);
    expect(problemsOf('tenants:\n  - domain: https://a.x\n    credentials: { accessTokenEnv: A }\n')[0]).toMatch(/^\/tenants\/0\/domain: /);
    expect(problemsOf('tenants: []\n')[0]).toMatch(/^\/tenants: /);
  });
});

describe('resolveCredentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-creds-'));
    await writeFile(path.join(dir, 'c.json'), JSON.stringify({ clientId: 'cid', clientSecret: 'file-secret' }));
    await writeFile(path.join(dir, 'bad.yaml'), 'clientId: cid\nclientSecret: x\nfoo: 1\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads environment variables by name, and files relative to the tenants file', async () => {
    const env = { A_ID: 'id-a', A_SECRET: 'secret-a' };
    const a = await resolveCredentials({ domain: 'a.x', credentials: { clientIdEnv: 'A_ID', clientSecretEnv: 'A_SECRET' } }, { env, baseDir: dir, signal });
    expect(a).toMatchObject({ domain: 'a.x', clientId: 'id-a' });
    expect(JSON.stringify(a)).not.toContain('secret-a');
    const c = await resolveCredentials({ domain: 'c.x', credentials: { file: 'c.json' } }, { env, baseDir: dir, signal });
    expect(c).toMatchObject({ domain: 'c.x', clientId: 'cid' });
  });

  it('names the missing variable or the bad file, never a value', async () => {
    await expect(resolveCredentials({ domain: 'a.x', credentials: { accessTokenEnv: 'NOPE' } }, { env: {}, baseDir: dir, signal })).rejects.toThrow(
      'tenant a.x: environment variable NOPE is not set',
    );
    await expect(resolveCredentials({ domain: 'b.x', credentials: { file: 'bad.yaml' } }, { env: {}, baseDir: dir, signal })).rejects.toThrow(/unknown key\(s\) foo/);
    await expect(resolveCredentials({ domain: 'b.x', credentials: { file: 'missing.json' } }, { env: {}, baseDir: dir, signal })).rejects.toThrow(
      /cannot read credentials file/,
    );
  });
});
