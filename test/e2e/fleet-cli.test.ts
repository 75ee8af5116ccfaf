/**
 * Fleet flags through the built CLI, where nothing reaches a tenant: every refusal exits 2 before
 * any work. (Parsing details are unit-tested beside the code: each CLI start costs seconds here.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

describe('a0vault snapshot --tenants: usage errors', () => {
  let dir: string;
  let good: string;
  const noShardEnv = { CLOUD_RUN_TASK_INDEX: '', CLOUD_RUN_TASK_COUNT: '', JOB_COMPLETION_INDEX: '', A0VAULT_SHARD_COUNT: '', A0VAULT_CONFIG: '' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-fleet-cli-'));
    good = path.join(dir, 'tenants.yaml');
    await writeFile(good, 'tenants:\n  - domain: a.example.com\n    credentials: { clientIdEnv: A_ID, clientSecretEnv: A_SECRET }\n');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const snapshot = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['snapshot', '--to', path.join(dir, 'out'), '--progress', 'none', ...args], { ...noShardEnv, ...env }, { timeoutMs: 60_000 });

  it('lists every problem of the tenants file with its path, without echoing a secret', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'tenants:\n  - domain: a.example.com\n    credentials: { clientIdEnv: A, clientSecret: hunter2-inline }\n  - domain: b.example.com\n    region: eu\n    credentials: { file: b.json }\n');
    const r = await snapshot(['--tenants', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/tenants/0/credentials: unknown key "clientSecret"');
    expect(r.stderr).toContain('/tenants/1: unknown key "region"');
    expect(r.stderr).not.toContain('hunter2-inline');
  });

  it.each([
    [['--shard', '4/4'], {}, /shard index must be in 0\.\.3/],
    [[], { JOB_COMPLETION_INDEX: '2' }, /A0VAULT_SHARD_COUNT/],
    [['--domain', 'x.example.com'], {}, /--domain cannot be used with --tenants/],
  ] as const)('refuses %j %j', async (args, env, message) => {
    const r = await snapshot(['--tenants', good, ...args], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--shard without --tenants is a usage error', async () => {
    const r = await snapshot(['--shard', '0/2'], { AUTH0_DOMAIN: 'a.example.com', AUTH0_CLIENT_ID: 'x', AUTH0_CLIENT_SECRET: 'y' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shard needs --tenants');
  });

  it('an empty shard succeeds with nothing to do', async () => {
    const r = await snapshot(['--tenants', good, '--shard', '1/2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ shard: { index: 1, count: 2 }, tenantsInFile: 1, tenants: [], summary: { success: 0, failed: 0, cancelled: 0 } });
  });
});
