import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';
import { openStorage } from '../../src/storage/registry.js';
import { runCli, tenantEnv } from './cli.js';

function countRoute(emu: RunningEmulator, fragment: string): number {
  let n = 0;
  for (const [route, byStatus] of Object.entries(emu.stats.snapshot().byRoute)) {
    if (route.includes(fragment)) n += Object.values(byStatus).reduce((a, b) => a + b, 0);
  }
  return n;
}

async function findFile(dir: string, suffix: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const hit = entries.find((e) => e.isFile() && e.name.endsWith(suffix));
  if (!hit) throw new Error(`no *${suffix} under ${dir}`);
  return path.join(hit.parentPath, hit.name);
}

describe('a0vault snapshot (built CLI against the tenant emulator)', () => {
  let emu: RunningEmulator;
  let gcs: GcsFake;
  let dir: string;

  beforeAll(async () => {
    emu = await startEmulator({ seed: 'demo', users: 200 });
    gcs = await startGcsFake({ buckets: ['backups'] });
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-e2e-'));
  });
  afterAll(async () => {
    await emu?.close();
    await gcs?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('backs up to local storage, lists and verifies; never prints the client secret', async () => {
    const snap = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'json'], tenantEnv(emu));
    expect(snap.stderr).not.toContain(emu.clientSecret);
    expect(snap.stdout).not.toContain(emu.clientSecret);
    expect(snap.code, snap.stderr).toBe(0);
    const result = JSON.parse(snap.stdout) as { snapshotId: string; counts: { users: number; roles: number; organizations: number } };
    expect(result.counts.users).toBe(emu.tenant.users.count());
    expect(result.counts.roles).toBe(emu.tenant.config.list('roles').length);
    expect(result.counts.organizations).toBe(emu.tenant.config.list('organizations').length);

    const list = await runCli(['list', '--from', dir, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id)).toEqual([result.snapshotId]);

    const verify = await runCli(['verify', 'latest', '--from', dir, '--json', '--progress', 'none']);
    expect(verify.code, verify.stderr).toBe(0);
    expect((JSON.parse(verify.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it('verify exits 4 naming the entry when one byte of the archive is flipped', async () => {
    const zip = await findFile(dir, '.a0v.zip');
    const original = await readFile(zip);
    const broken = Buffer.from(original);
    const at = Math.floor(broken.length / 3);
    broken[at] = (broken[at] ?? 0) ^ 0x01;
    await writeFile(zip, broken);
    try {
      const verify = await runCli(['verify', 'latest', '--from', dir, '--progress', 'none']);
      expect(verify.code).toBe(4);
      expect(verify.stderr).toMatch(/failed verification: (entry \S+|archive)/);
    } finally {
      await writeFile(zip, original);
    }
  });

  it('backs up to Google Cloud Storage (the GCS fake) and verifies there', async () => {
    const to = 'gs://backups/nightly';
    const env = { ...tenantEnv(emu), A0VAULT_GCS_ENDPOINT: gcs.endpoint };
    const snap = await runCli(['snapshot', '--to', to, '--json', '--progress', 'none'], env);
    expect(snap.code, snap.stderr).toBe(0);
    const verify = await runCli(['verify', 'latest', '--from', to, '--progress', 'none'], env);
    expect(verify.code, verify.stderr).toBe(0);
    const storage = openStorage(to, { gcsEndpoint: gcs.endpoint });
    const keys: string[] = [];
    for await (const o of storage.list('', { signal: AbortSignal.timeout(30_000) })) keys.push(o.key);
    expect(keys.filter((k) => k.endsWith('.manifest.json'))).toHaveLength(1);
    expect(keys.filter((k) => k.endsWith('lock.json'))).toEqual([]);
  });

  it('exits 2 naming the missing scopes before any work', async () => {
    const res = await fetch(`${emu.admin}/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['read:clients'], name: 'read-only-clients' }),
    });
    const limited = (await res.json()) as { clientId: string; clientSecret: string };
    const exportsBefore = countRoute(emu, 'users-exports');
    const snap = await runCli(['snapshot', '--to', dir, '--progress', 'none'], tenantEnv({ domain: emu.domain, ...limited }));
    expect(snap.code).toBe(2);
    expect(snap.stderr).toContain('read:users');
    expect(countRoute(emu, 'users-exports')).toBe(exportsBefore);
  });
});
