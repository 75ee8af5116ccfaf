/**
 * The restore commands end to end (built CLI, two emulators): plan, the safety guards, a saved
 * plan applied to an empty tenant (with password hashes merged: a canary that must reach no
 * output), a second plan that changes nothing, and the stale saved plan refused.
 * The fidelity check (diff of a snapshot of the restored tenant) is restore-fidelity.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { runCli, tenantEnv } from './cli.js';

const USERS = 300;
const CANARY_HASH = '$2b$10$CANARYa0vaultCANARYa0vaultCANARYa0vaultCANARYa0v';

interface PlanOut {
  summary: { changes: number; creates: number; updates: number; deletes: number };
  users: { insert: number; update: number; unchanged: number; notImportable: { reason: string; count: number }[] };
  memberships: { roleMembers: { add: number }; orgMembers: { add: number }; orgMemberRoles: { add: number } };
  config: Record<string, { create: unknown[]; update: unknown[] }>;
  targetFingerprint: string;
}

describe('a0vault plan / restore', () => {
  let source: RunningEmulator;
  let target: RunningEmulator;
  let dir: string;
  let snapshotId: string;

  beforeAll(async () => {
    source = await startEmulator({ seed: 'demo', users: USERS });
    target = await startEmulator({ seed: 'empty', importRate: 5000, jobLatencyMs: 50 });
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-restore-'));
    const r = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(source));
    expect(r.code, r.stderr).toBe(0);
    snapshotId = (JSON.parse(r.stdout) as { snapshotId: string }).snapshotId;
  }, 240_000);
  afterAll(async () => {
    await source?.close();
    await target?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses another tenant without --to-other-tenant (exit 5), before reading it', async () => {
    const r = await runCli(['plan', snapshotId, '--from', dir, '--json', '--progress', 'none'], tenantEnv(target));
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/--to-other-tenant/);
  });

  it('refuses to apply without --yes when not on a terminal (exit 5)', async () => {
    const r = await runCli(['restore', snapshotId, '--from', dir, '--to-other-tenant', '--progress', 'none'], tenantEnv(target));
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/--yes/);
  });

  it('plans, applies the saved plan (hashes merged, never printed), then plans nothing and refuses the stale plan', async () => {
    const planFile = path.join(dir, 'plan.json');
    const p = await runCli(['plan', snapshotId, '--from', dir, '--to-other-tenant', '--json', '--progress', 'none', '--out', planFile], tenantEnv(target));
    expect(p.code, p.stderr).toBe(0);
    const plan = JSON.parse(p.stdout) as PlanOut;
    expect(JSON.parse(await readFile(planFile, 'utf8'))).toEqual(plan);
    expect(plan.users.insert).toBeGreaterThan(0);
    expect(plan.config.roles?.create.length).toBeGreaterThan(0);
    expect(plan.memberships.roleMembers.add).toBeGreaterThan(0);

    // password hashes from "Auth0 support", keyed by email: a canary that must reach no output
    const mgmt = new ManagementClient({ domain: source.domain, clientId: source.clientId, clientSecret: source.clientSecret });
    const some = (await mgmt.users.list({ per_page: 5, page: 0, q: 'identities.connection:"Username-Password-Authentication"' })).data;
    const hashesFile = path.join(dir, 'hashes.ndjson');
    await writeFile(hashesFile, some.map((u, i) => JSON.stringify({ _id: { $oid: `x${i}` }, email: u.email, passwordHash: `${CANARY_HASH}${i}` })).join('\n'));
    const r = await runCli(['restore', snapshotId, '--from', dir, '--to-other-tenant', '--yes', '--plan', planFile, '--password-hashes', hashesFile, '--json', '--progress', 'json'], tenantEnv(target));
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain(CANARY_HASH);
    expect(`${r.stdout}${r.stderr}`).not.toContain(target.clientSecret);
    const out = JSON.parse(r.stdout) as { outcome: string; counts: Record<string, { inserted: number; failed: number }>; recordKey: string };
    expect(out.outcome).toBe('completed');
    const imported = Object.entries(out.counts).filter(([k]) => k.startsWith('users:')).reduce((n, [, c]) => n + c.inserted, 0);
    expect(imported).toBe(plan.users.insert);
    const record = JSON.parse(await readFile(path.join(dir, out.recordKey), 'utf8')) as { outcome: string; target: string; planSha256: string };
    expect(record.outcome).toBe('completed');
    expect(record.target).toBe(target.domain);
    expect(JSON.stringify(record)).not.toContain(CANARY_HASH);

    const again = await runCli(['plan', snapshotId, '--from', dir, '--to-other-tenant', '--json', '--progress', 'none'], tenantEnv(target));
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as PlanOut;
    expect(second.summary).toEqual({ changes: 0, creates: 0, updates: 0, deletes: 0 });

    // the saved plan no longer applies: the target changed since it was made
    const stale = await runCli(['restore', snapshotId, '--from', dir, '--to-other-tenant', '--yes', '--plan', planFile, '--progress', 'none'], tenantEnv(target));
    expect(stale.code, stale.stderr).toBe(5);
    expect(stale.stderr).toMatch(/changed since the plan/);
  }, 600_000);
});
