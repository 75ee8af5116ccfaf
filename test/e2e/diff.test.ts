import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { runCli, tenantEnv } from './cli.js';

interface DiffOut {
  changes: number;
  config: Record<string, { added: string[]; removed: string[]; changed: { name: string; fields: string[] }[] }>;
  users: { added: number; removed: number; changed: number; sample: { added: string[]; changed: { user_id: string; fields: string[] }[] } };
}

describe('a0vault diff', () => {
  let emu: RunningEmulator;
  let dir: string;
  const ids: string[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ seed: 'demo', users: 50 });
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-diff-'));
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(emu));
      expect(r.code, r.stderr).toBe(0);
      ids.push((JSON.parse(r.stdout) as { snapshotId: string }).snapshotId);
    }
  });
  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds no difference between two snapshots of an unchanged tenant', async () => {
    const r = await runCli(['diff', ids[0] as string, ids[1] as string, '--from', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as DiffOut;
    expect(d.changes).toBe(0);
  });

  it('names the added role, the added user and the changed user against the live tenant', async () => {
    const mgmt = new ManagementClient({ domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret });
    await mgmt.roles.create({ name: 'diff-test-role', description: 'added after the snapshot' });
    const created = await mgmt.users.create({ connection: 'Username-Password-Authentication', email: 'new.user@example.com', password: 'Xy9!long-enough-pass' });
    const victim = (await mgmt.users.list({ per_page: 1, page: 0, q: 'identities.connection:"Username-Password-Authentication"' })).data[0];
    await mgmt.users.update(victim?.user_id as string, { user_metadata: { changed: true } });

    const r = await runCli(['diff', 'latest', 'live', '--from', dir, '--json', '--progress', 'none'], tenantEnv(emu));
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as DiffOut;
    expect(d.config.roles?.added).toEqual(['diff-test-role']);
    expect(d.users.added).toBe(1);
    expect(d.users.sample.added).toEqual([created.user_id]);
    expect(d.users.changed).toBe(1);
    expect(d.users.sample.changed).toEqual([{ user_id: victim?.user_id, fields: ['user_metadata'] }]);
    expect(d.changes).toBe(3);
  });
});
