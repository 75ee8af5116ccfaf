/**
 * The config file as a user meets it (built CLI against the tenant emulator): a named location,
 * tenant credentials by reference, and the rule that the environment never silently overrides
 * the file. Run `npm run build` first.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { runCli } from './cli.js';

describe('a0vault with a config file (built CLI, tenant emulator)', () => {
  let emu: RunningEmulator;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    emu = await startEmulator({ seed: 'demo', users: 20 });
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-e2e-config-'));
    config = path.join(dir, 'a0vault.config.yaml');
    await writeFile(
      config,
      [
        'version: 1',
        'locations:',
        '  nightly: ./backups',
        'tenants:',
        `  - domain: ${JSON.stringify(emu.domain)}`,
        `    clientId: ${JSON.stringify(emu.clientId)}`,
        '    clientSecret: { env: E2E_TENANT_SECRET }',
        'budgets: { apiBudget: 30 }',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('snapshot --to <name> takes location and credentials from the file; a conflicting AUTH0_CLIENT_SECRET loses with a warning', async () => {
    const env = { A0VAULT_CONFIG: config, AUTH0_DOMAIN: emu.domain, AUTH0_CLIENT_ID: emu.clientId, AUTH0_CLIENT_SECRET: 'not-the-secret', E2E_TENANT_SECRET: emu.clientSecret };
    const snap = await runCli(['snapshot', '--to', 'nightly', '--json', '--progress', 'none'], env);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stderr).toContain('AUTH0_CLIENT_SECRET is set but the config file gives the clientSecret (/tenants/0): using the file');
    for (const text of [snap.stdout, snap.stderr]) {
      expect(text).not.toContain(emu.clientSecret);
      expect(text).not.toContain('not-the-secret');
    }
    const result = JSON.parse(snap.stdout) as { snapshotId: string; location: string };
    expect(result.location).toBe(path.join(dir, 'backups'));

    const list = await runCli(['list', '--from', 'nightly', '--config', config, '--json'], { A0VAULT_CONFIG: '' });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id)).toEqual([result.snapshotId]);
  });

  it('a secret variable the file names but the environment lacks: exit 2 naming the field, before any work', async () => {
    const r = await runCli(['snapshot', '--to', 'nightly', '--progress', 'none'], { A0VAULT_CONFIG: config, E2E_TENANT_SECRET: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/tenants/0/clientSecret: environment variable E2E_TENANT_SECRET is not set');
  });
});
