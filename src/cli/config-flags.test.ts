import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configRetention, policyFromRules, resolveConfigFlags } from './config-flags.js';
import { addStorageOptions, addTenantOptions, parsePercent, parsePositive, readCredentials, type TenantFlags } from './options.js';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'a0vault-config-flags-'));
  file = path.join(dir, 'a0vault.config.yaml');
  await writeFile(
    file,
    [
      'locations:',
      '  nightly: { url: gs://acme/auth0, gcsEndpoint: https://gcs.internal }',
      '  here: ./backups',
      'tenants:',
      '  - { domain: acme.eu.auth0.com, clientId: cid, clientSecret: { env: ACME_SECRET } }',
      'budgets: { apiBudget: 30, maxRps: 7 }',
      'retention:',
      '  default: { keep-daily: 7 }',
      '  tenants: { acme.eu.auth0.com: { keep-last: 2, keep-yearly: unlimited } }',
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A command shaped like `snapshot`, parsed from `args`. */
function parsed(args: string[]): Command {
  const cmd = new Command('snapshot')
    .exitOverride()
    .requiredOption('--to <location>', 'where')
    .option('--api-budget <percent>', 'budget', parsePercent, 50)
    .option('--max-rps <n>', 'cap', parsePositive);
  addTenantOptions(addStorageOptions(cmd)).action(() => undefined);
  cmd.parse(args, { from: 'user' });
  return cmd;
}

function resolve(args: string[], env: Record<string, string> = { ACME_SECRET: 'file-secret' }) {
  const warnings: string[] = [];
  const cmd = parsed(args);
  const flags = resolveConfigFlags(cmd, cmd.opts(), { env, cwd: '/nonexistent', warn: (m) => warnings.push(m) });
  return { flags, warnings };
}

describe('resolveConfigFlags', () => {
  it('without a config file, flags are unchanged', () => {
    const cmd = parsed(['--to', 'nightly']);
    const flags = resolveConfigFlags(cmd, cmd.opts(), { env: {}, cwd: dir + '-none', warn: () => undefined });
    expect(flags).toMatchObject({ to: 'nightly', apiBudget: 50 });
    expect(flags.configInfo.config).toBeUndefined();
  });

  it('--config, else A0VAULT_CONFIG, else ./a0vault.config.yaml', () => {
    expect(resolve(['--to', 'nightly', '--config', file]).flags.to).toBe('gs://acme/auth0');
    expect(resolve(['--to', 'nightly'], { A0VAULT_CONFIG: file, ACME_SECRET: 's' }).flags.to).toBe('gs://acme/auth0');
    const cmd = parsed(['--to', 'nightly']);
    expect(resolveConfigFlags(cmd, cmd.opts(), { env: { ACME_SECRET: 's' }, cwd: dir, warn: () => undefined }).to).toBe('gs://acme/auth0');
  });

  it('location names become their URL and endpoint; relative paths are relative to the file', () => {
    const { flags } = resolve(['--to', 'here', '--config', file]);
    expect(flags.to).toBe(path.join(dir, 'backups'));
    expect(flags.configInfo.locationName).toBe('here');
    expect(resolve(['--to', 'nightly', '--config', file]).flags.gcsEndpoint).toBe('https://gcs.internal');
  });

  it('budgets: flag > file > built-in default', () => {
    expect(resolve(['--to', 'x', '--config', file]).flags).toMatchObject({ apiBudget: 30, maxRps: 7 });
    expect(resolve(['--to', 'x', '--config', file, '--api-budget', '80']).flags).toMatchObject({ apiBudget: 80, maxRps: 7 });
  });

  it('the file wins over A0VAULT_GCS_ENDPOINT and AUTH0_* with warnings; a flag wins over the file', () => {
    const env = { A0VAULT_GCS_ENDPOINT: 'http://127.0.0.1:1', AUTH0_CLIENT_SECRET: 'env-secret', ACME_SECRET: 'file-secret' };
    const { flags, warnings } = resolve(['--to', 'nightly', '--config', file], env);
    expect(flags).toMatchObject({ gcsEndpoint: 'https://gcs.internal', domain: 'acme.eu.auth0.com', clientId: 'cid', clientSecret: 'file-secret' });
    expect(warnings).toEqual([
      'A0VAULT_GCS_ENDPOINT is set but the config file gives location "nightly" its gcsEndpoint: using the file',
      'AUTH0_CLIENT_SECRET is set but the config file gives the clientSecret (/tenants/0): using the file',
    ]);
    const creds = readCredentials(flags as TenantFlags, env);
    expect(creds.domain).toBe('acme.eu.auth0.com');
    expect(resolve(['--to', 'nightly', '--config', file, '--gcs-endpoint', 'http://flag'], env).flags.gcsEndpoint).toBe('http://flag');
    expect(resolve(['--to', 'x', '--config', file, '--client-id', 'a', '--client-secret', 'b'], env).flags).toMatchObject({ clientId: 'a', clientSecret: 'b' });
  });

  it('a file with errors stops the command with every problem listed (exit 2)', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'tenants: [{ domian: x }]\nbudgets: { maxrps: 1 }\n');
    expect(() => resolve(['--to', 'x', '--config', bad])).toThrow(/\/tenants\/0\/domian: unknown key "domian".*\/budgets\/maxrps: unknown key/);
    try {
      resolve(['--to', 'x', '--config', bad]);
    } catch (err) {
      expect((err as { code?: string }).code).toBe('config');
    }
  });
});

describe('config retention', () => {
  it('maps keep-* rules to a policy, per tenant, unlimited as Infinity', () => {
    expect(policyFromRules({ 'keep-last': 2, 'keep-yearly': 'unlimited' })).toEqual({ last: 2, yearly: Infinity });
    const { flags } = resolve(['--to', 'x', '--config', file]);
    const per = configRetention(flags.configInfo);
    expect(per?.('acme.eu.auth0.com')).toEqual({ last: 2, yearly: Infinity });
    expect(per?.('other.example.com')).toEqual({ daily: 7 });
    expect(configRetention({ config: {}, path: undefined, locationName: undefined })).toBeUndefined();
  });
});
