/**
 * The restore fidelity check at CI scale (issue 6: "10k users there"), with the built CLI:
 * snapshot A of a demo tenant with ~10,000 users, restore it into an `empty` emulator, then
 * - the target holds every database user of the source exactly once (same user_id, email and
 *   connection) and exactly the source's memberships of those users (by role/organization
 *   name), and the restore's counts add up to the plan;
 * - snapshot B of the target, `a0vault diff A B`: no user added or changed;
 * - a second plan of the same snapshot changes nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { runCli, tenantEnv } from './cli.js';
import { duplicates, standInSecrets, tenantMemberships, tenantUsers } from './restore-support.js';

const TOTAL_USERS = 10_000;
const DEMO_USERS = 1_000; // the demo seed's own users (docs/emulator.md)

describe('restore fidelity with 10,000 users', { timeout: 1_800_000 }, () => {
  let source: RunningEmulator | undefined;
  let target: RunningEmulator | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await source?.close();
    await target?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('restores a 10k-user demo tenant into an empty one; the target matches; a second plan is empty', async () => {
    const started = Date.now();
    const lap = (what: string) => console.log(`${what}: ${Math.round((Date.now() - started) / 1000)} s`);
    source = await startEmulator({ seed: 'demo', users: TOTAL_USERS - DEMO_USERS });
    target = await startEmulator({ seed: 'empty', importRate: 5000, jobLatencyMs: 100 });
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-fidelity-10k-'));
    expect(source.tenant.users.count()).toBe(TOTAL_USERS);

    const a = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(source), { timeoutMs: 900_000 });
    expect(a.code, a.stderr).toBe(0);
    const snapA = JSON.parse(a.stdout) as { snapshotId: string; manifestKey: string };
    const idA = snapA.snapshotId;
    lap('snapshot A');
    // stand-ins for the masked secrets (the demo log stream's), as the operator would supply them
    const secrets = await standInSecrets(dir, snapA.manifestKey, path.join(dir, 'secrets.json'));

    const r = await runCli(['restore', idA, '--from', dir, '--to-other-tenant', '--yes', '--keyword-mappings', secrets, '--json', '--progress', 'none'], tenantEnv(target), { timeoutMs: 1_200_000 });
    lap('restore');
    const out = JSON.parse(r.stdout) as { outcome: string; recordKey: string; errors: { type: string; codes: string[] }[]; counts: Record<string, { inserted: number; updated: number; failed: number }> };
    expect(r.code, `${r.stdout.slice(0, 4000)}\n${r.stderr.slice(-2000)}`).toBe(0);
    expect(out.errors).toEqual([]);
    expect(out.outcome).toBe('completed');

    const databases = new Set(source.store.list('connections').filter((c) => c.strategy === 'auth0').map((c) => String(c.name)));
    const expected = (await tenantUsers(source)).filter((u) => databases.has(u.connection));
    const present = await tenantUsers(target);
    expect(duplicates(present.map((u) => u.userId))).toEqual([]);
    const key = (u: { userId: string; email: string; connection: string }) => `${u.userId} ${u.email} ${u.connection}`;
    expect(present.map(key).sort()).toEqual(expected.map(key).sort());
    const users = Object.entries(out.counts).filter(([k]) => k.startsWith('users:'));
    expect(users.reduce((n, [, c]) => n + c.inserted, 0)).toBe(expected.length);
    expect(users.reduce((n, [, c]) => n + c.failed + c.updated, 0)).toBe(0);
    const ids = new Set(expected.map((u) => u.userId));
    const memberships = (await tenantMemberships(source)).filter((m) => ids.has(m.split(' ').at(-1) ?? ''));
    expect(await tenantMemberships(target)).toEqual(memberships);
    expect(target.stats.snapshot().peakConcurrentImportJobs).toBeLessThanOrEqual(2);
    const record = JSON.parse(await readFile(path.join(dir, out.recordKey), 'utf8')) as { outcome: string };
    expect(record.outcome).toBe(out.outcome);

    const b = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(target), { timeoutMs: 900_000 });
    expect(b.code, b.stderr).toBe(0);
    const idB = (JSON.parse(b.stdout) as { snapshotId: string }).snapshotId;
    const d = await runCli(['diff', idA, idB, '--from', dir, '--json', '--progress', 'none']);
    expect(d.code, d.stderr).toBe(0);
    expect((JSON.parse(d.stdout) as { users: { added: number; changed: number } }).users).toMatchObject({ added: 0, changed: 0 });
    lap('snapshot B and diff');

    const again = await runCli(['plan', idA, '--from', dir, '--to-other-tenant', '--json', '--progress', 'none'], tenantEnv(target), { timeoutMs: 900_000 });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { summary: unknown }).summary).toEqual({ changes: 0, creates: 0, updates: 0, deletes: 0 });
    lap('second plan');
  });
});
