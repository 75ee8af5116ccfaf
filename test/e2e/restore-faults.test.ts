/**
 * Restore under faults, with the built CLI: one snapshot of a demo tenant with ~3,000 users
 * (several import files per database connection) is restored into a fresh `empty` emulator
 * per case while the target misbehaves: a failed import job, a third import job refused with
 * 429 while two run, 5xx and 429 storms, access tokens that expire during the run, kill -9
 * between import jobs and during memberships (then `--resume`).
 *
 * Every case ends with the same checks: outcome `completed`; users inserted + failed = the
 * planned inserts (made once, against an empty target, in beforeAll); the target holds each
 * planned user exactly once and exactly the planned memberships (compared by names and
 * user_ids with the source tenant); never more than 2 import jobs running; the restore record
 * says whether it was resumed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementApi } from '../../src/auth0/client.js';
import { toCredentials } from '../../src/auth0/credentials.js';
import { ManagementApiError } from '../../src/auth0/errors.js';
import { createUsersImport } from '../../src/auth0/jobs.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator/server.js';
import { runCli, tenantEnv } from './cli.js';
import { duplicates, membershipCount, readJournal, startCli, tenantMemberships, tenantUsers, waitFor, type ProgressLine } from './restore-support.js';

const EXTRA_USERS = 2000;
const UPA = 'Username-Password-Authentication';

interface ItemError {
  type: string;
  codes: string[];
}

/**
 * The demo snapshot holds a log stream whose secret is masked: a restore without keyword
 * mappings leaves it out with one SECRET_MASKED item error (partially-failed, exit 3). That is
 * the only item error a run may have; the outcome and exit code follow from it.
 */
const masked = (errors: ItemError[]) => errors.filter((e) => e.codes.includes('SECRET_MASKED') && e.type.startsWith('config:'));
function expectedOutcome(stdout: string): { code: number; outcome: string } {
  let errors: ItemError[] = [];
  try {
    errors = (JSON.parse(stdout) as { errors?: ItemError[] }).errors ?? [];
  } catch {
    return { code: 0, outcome: 'completed' };
  }
  return masked(errors).length > 0 ? { code: 3, outcome: 'partially-failed' } : { code: 0, outcome: 'completed' };
}

/** What a failed run said: its result document (stdout) and the end of its progress (stderr). */
const explain = (r: { stdout: string; stderr: string }): string => `${r.stdout.slice(0, 4000)}\n${r.stderr.slice(-2000)}`;

/** The apply step's users phase (the target capture before it has a `users` phase too: its export). */
const isImportStart = (e: ProgressLine): boolean => e.type === 'phase' && e.phase === 'users' && /^importing users/.test(e.message ?? '');

interface PlanOut {
  users: { insert: number; update: number; byConnection: Record<string, { insert: number }> };
  memberships: { roleMembers: { add: number }; orgMembers: { add: number }; orgMemberRoles: { add: number } };
}

interface RestoreOut {
  outcome: string;
  resumed?: boolean;
  recordKey: string;
  counts: Record<string, { inserted: number; updated: number; failed: number; skipped?: number }>;
  errors: ItemError[];
  fatal?: string;
}

describe('restore under faults', { timeout: 900_000 }, () => {
  let source: RunningEmulator;
  let dir: string;
  let snapshotId: string;
  let plan: PlanOut;
  let expectedUsers: Set<string>;
  let expectedMemberships: string[];
  const cleanup: (() => Promise<void>)[] = [];

  const newTarget = async (o: EmulatorOptions = {}): Promise<{ emu: RunningEmulator; stateDir: string }> => {
    const emu = await startEmulator({ seed: 'empty', importRate: 2000, jobLatencyMs: 50, ...o });
    const stateDir = await mkdtemp(path.join(tmpdir(), 'a0vault-restore-state-'));
    cleanup.push(() => emu.close(), () => rm(stateDir, { recursive: true, force: true }));
    return { emu, stateDir };
  };
  const restoreArgs = (stateDir: string, ...more: string[]) => ['restore', snapshotId, '--from', dir, '--to-other-tenant', '--yes', '--json', '--progress', 'json', '--state-dir', stateDir, ...more];

  beforeAll(async () => {
    source = await startEmulator({ seed: 'demo', users: EXTRA_USERS });
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-restore-faults-'));
    const s = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(source));
    expect(s.code, s.stderr).toBe(0);
    snapshotId = (JSON.parse(s.stdout) as { snapshotId: string }).snapshotId;
    // the plan against an empty tenant: what every case below must end up with
    const { emu } = await newTarget();
    const p = await runCli(['plan', snapshotId, '--from', dir, '--to-other-tenant', '--json', '--progress', 'none'], tenantEnv(emu));
    expect(p.code, p.stderr).toBe(0);
    plan = JSON.parse(p.stdout) as PlanOut;
    // database users are restored (with their user_id); social and enterprise users cannot be
    const databases = new Set(source.store.list('connections').filter((c) => c.strategy === 'auth0').map((c) => String(c.name)));
    expectedUsers = new Set((await tenantUsers(source)).filter((u) => databases.has(u.connection)).map((u) => u.userId));
    expectedMemberships = (await tenantMemberships(source)).filter((m) => expectedUsers.has(m.split(' ').at(-1) ?? ''));
    console.log(`snapshot ${snapshotId}: ${plan.users.insert} users to insert ${JSON.stringify(plan.users.byConnection)}, memberships ${JSON.stringify(plan.memberships)}`);
  }, 600_000);

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    await source?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the plan matches the source: every database user and their memberships', () => {
    expect(plan.users.insert).toBe(expectedUsers.size);
    expect(plan.users.byConnection[UPA]?.insert).toBeGreaterThan(1000);
    const m = plan.memberships;
    expect(m.roleMembers.add + m.orgMembers.add + m.orgMemberRoles.add).toBe(expectedMemberships.length);
  });

  /** The checks every case ends with. */
  async function expectRestored(emu: RunningEmulator, stateDir: string, outText: string, o: { resumed: boolean }): Promise<RestoreOut> {
    const out = JSON.parse(outText) as RestoreOut;
    expect(out.fatal).toBeUndefined();
    const { outcome } = expectedOutcome(outText);
    expect(out.errors.filter((e) => !masked([e as ItemError]).length)).toEqual([]);
    expect(out.outcome).toBe(outcome);
    const users = Object.entries(out.counts).filter(([k]) => k.startsWith('users:'));
    const sum = (f: 'inserted' | 'updated' | 'failed') => users.reduce((n, [, c]) => n + c[f], 0);
    expect({ inserted: sum('inserted'), failed: sum('failed'), updated: sum('updated') }).toEqual({ inserted: plan.users.insert, failed: 0, updated: 0 });
    const present = await tenantUsers(emu);
    expect(duplicates(present.map((u) => u.userId))).toEqual([]);
    expect(duplicates(present.map((u) => `${u.connection} ${u.email}`))).toEqual([]);
    expect(present.filter((u) => !expectedUsers.has(u.userId)).map((u) => u.userId)).toEqual([]);
    expect(present).toHaveLength(expectedUsers.size);
    const memberships = await tenantMemberships(emu);
    expect(memberships.length).toBe(expectedMemberships.length);
    expect(memberships).toEqual(expectedMemberships);
    expect(emu.stats.snapshot().peakConcurrentImportJobs).toBeLessThanOrEqual(2);
    const record = JSON.parse(await readFile(path.join(stateDir, out.recordKey), 'utf8')) as { outcome: string; resumed: number; target: string };
    expect(record).toMatchObject({ outcome, target: emu.domain });
    expect(record.resumed > 0).toBe(o.resumed);
    return out;
  }

  it('an import job that fails is retried; the restore completes', async () => {
    const { emu, stateDir } = await newTarget();
    emu.faults.configure({ seed: 3, rules: [{ kind: 'import-job', count: 1 }] });
    const r = await startCli(restoreArgs(stateDir), tenantEnv(emu)).done;
    expect(r.code, explain(r)).toBe(expectedOutcome(r.stdout).code);
    expect(emu.faults.describe().fired).toEqual([1]);
    expect(r.stderr).toMatch(/import job job_\w+ failed: Failed to import users \(injected fault\)/);
    await expectRestored(emu, stateDir, r.stdout, { resumed: false });
  });

  it('a third import job gets 429 "There are 2 active import users jobs"; the restore waits for a slot, never runs more than 2', async () => {
    const { emu, stateDir } = await newTarget({ importRate: 200 });
    const api = new ManagementApi({ credentials: toCredentials({ domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret }) });
    const connectionId = String(emu.store.list('connections').find((c) => c.name === UPA)?.id);
    // another operator's import: 6,000 users of their own (30 s at 200 users/s), so the slots
    // are still busy when the CLI sends its first files
    let n = 0;
    const outsiderFile = () => Buffer.from(JSON.stringify(Array.from({ length: 6000 }, () => ({ email: `outsider${n++}@elsewhere.test` }))));
    const refusals: string[] = [];
    let outsiders = 0;
    const fillSlots = async () => {
      for (;;) {
        try {
          await createUsersImport(api, { users: outsiderFile(), connectionId, signal: AbortSignal.timeout(30_000) });
          outsiders++;
        } catch (err) {
          if (!(err instanceof ManagementApiError) || err.status !== 429) throw err;
          refusals.push(err.apiMessage ?? err.message);
          return;
        }
      }
    };
    // the CLI looks the connection up right before its first job: slowed down 5 s, so the test,
    // seeing the users step start, fills both slots first (the third job must be refused) and
    // the CLI's jobs then meet the same 429 while the outsider's jobs run
    emu.faults.configure({ rules: [{ route: '/connections', method: 'GET', latencyMs: 5000 }] });
    let filled: Promise<void> | undefined;
    const run = startCli(restoreArgs(stateDir), tenantEnv(emu), (e) => {
      if (isImportStart(e) && !filled) filled = fillSlots();
    });
    const r = await run.done;
    await filled;
    expect(r.code, explain(r)).toBe(expectedOutcome(r.stdout).code);
    expect(outsiders).toBeGreaterThan(0);
    expect(refusals).toEqual(['There are 2 active import users jobs, please wait until some of them are finished and try again']);
    expect(r.stderr).toMatch(/both import slots busy; waiting for a job to finish/);
    expect(emu.stats.snapshot().byRoute['POST /jobs/users-imports']?.['429']).toBeGreaterThanOrEqual(2);
    expect(emu.stats.snapshot().peakConcurrentImportJobs).toBe(2);
    // the outsider's users are the target's own business: the restore's numbers still add up
    const own = await expectRestoredIgnoring(emu, stateDir, r.stdout, /@elsewhere\.test$/);
    expect(own).toBe(outsiders * 6000);
  });

  /** expectRestored, with the target's own users (matching `foreign` by email) set aside. */
  async function expectRestoredIgnoring(emu: RunningEmulator, stateDir: string, outText: string, foreign: RegExp): Promise<number> {
    const all = await tenantUsers(emu);
    const theirs = all.filter((u) => foreign.test(u.email));
    const ours = all.filter((u) => !foreign.test(u.email));
    expect(duplicates(ours.map((u) => u.userId))).toEqual([]);
    expect(new Set(ours.map((u) => u.userId))).toEqual(expectedUsers);
    const out = JSON.parse(outText) as RestoreOut;
    const { outcome } = expectedOutcome(outText);
    expect(out.errors.filter((e) => !masked([e]).length)).toEqual([]);
    expect(out.outcome).toBe(outcome);
    const users = Object.entries(out.counts).filter(([k]) => k.startsWith('users:'));
    expect(users.reduce((n, [, c]) => n + c.inserted + c.failed, 0)).toBe(plan.users.insert);
    expect(await tenantMemberships(emu)).toEqual(expectedMemberships);
    const record = JSON.parse(await readFile(path.join(stateDir, out.recordKey), 'utf8')) as { outcome: string };
    expect(record.outcome).toBe(outcome);
    return theirs.length;
  }

  it('completes through a 429 storm on every route and a 5% 503 storm from the target capture\'s export on', async () => {
    const { emu, stateDir } = await newTarget();
    const storm429 = { route: '/*', status: 429, rate: 0.05 };
    emu.faults.configure({ seed: 21, rules: [storm429] });
    let stormed = false;
    const r = await startCli(restoreArgs(stateDir), tenantEnv(emu), (e) => {
      // the 5xx storm starts with the target capture's users export (after its deploy-cli dump):
      // it covers the rest of the capture, the config deploy, the imports and the memberships
      if (e.type === 'phase' && e.phase === 'users' && !stormed) {
        stormed = true;
        emu.faults.configure({ seed: 22, rules: [{ route: '/*', status: 503, rate: 0.05 }, storm429] });
      }
    }).done;
    const fired = emu.faults.describe().fired;
    emu.faults.clear();
    expect(r.code, explain(r)).toBe(expectedOutcome(r.stdout).code);
    expect(fired[0]).toBeGreaterThan(5);
    expect(fired[1]).toBeGreaterThan(5);
    await expectRestored(emu, stateDir, r.stdout, { resumed: false });
  });

  it('survives access tokens that expire during the run', async () => {
    const { emu, stateDir } = await newTarget({ tokenTtl: 120 });
    const r = await startCli(restoreArgs(stateDir), tenantEnv(emu)).done;
    expect(r.code, explain(r)).toBe(expectedOutcome(r.stdout).code);
    const tokens = emu.stats.snapshot().byRoute['POST /oauth/token']?.['200'] ?? 0;
    console.log(`tokens issued with a 120 s lifetime: ${tokens}`);
    // deploy-cli takes one per dump/deploy; a0vault needs more than one over the run
    expect(tokens).toBeGreaterThan(3);
    await expectRestored(emu, stateDir, r.stdout, { resumed: false });
  });

  it('kill -9 between import jobs, then --resume: each user imported exactly once, none missing', async () => {
    const { emu, stateDir } = await newTarget({ importRate: 300 });
    const run = startCli(restoreArgs(stateDir), tenantEnv(emu));
    // kill once a job is done and every job the target accepted is journalled: a kill between
    // a job's creation and its job-started object leaves a job no resume knows (see the report)
    const created = () => emu.stats.snapshot().byRoute['POST /jobs/users-imports']?.['202'] ?? 0;
    await waitFor(async () => {
      const events = await readJournal(stateDir);
      if (!events.some((e) => e.type === 'job-done')) return false;
      run.child.kill('SIGSTOP');
      const all = await readJournal(stateDir);
      if (all.filter((e) => e.type === 'job-started').length === created()) return true;
      run.child.kill('SIGCONT');
      return false;
    }, run.child, 'the first job-done');
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    const journal = await readJournal(stateDir);
    expect(journal.filter((e) => e.type === 'step-done').map((e) => e.step)).toEqual(['config']);
    const doneBefore = journal.filter((e) => e.type === 'job-done').length;
    console.log(`killed with ${doneBefore} job(s) done, ${journal.filter((e) => e.type === 'job-started').length} started`);

    const r = await startCli(restoreArgs(stateDir, '--resume'), tenantEnv(emu)).done;
    expect(r.code, explain(r)).toBe(expectedOutcome(r.stdout).code);
    const out = await expectRestored(emu, stateDir, r.stdout, { resumed: true });
    expect(out.resumed).toBe(true);
    // no user was sent twice: each one still has the timestamps of its single insert
    expect((await tenantUsers(emu)).filter((u) => u.createdAt !== u.updatedAt).map((u) => u.userId)).toEqual([]);
    const all = await readJournal(stateDir);
    const summaries = all.filter((e) => e.type === 'job-done').map((e) => e.summary as { inserted: number; updated: number; failed: number });
    expect(summaries.reduce((n, s) => n + s.inserted, 0)).toBe(plan.users.insert);
    expect(summaries.every((s) => s.updated === 0 && s.failed === 0)).toBe(true);
    expect(emu.stats.snapshot().byRoute['POST /jobs/users-imports']?.['202']).toBe(all.filter((e) => e.type === 'job-started').length);
  });

  it('kill -9 during memberships, then --resume: every planned membership exactly once', async () => {
    const { emu, stateDir } = await newTarget();
    const slow = (e: ProgressLine) => {
      // slow membership writes down so the kill lands in the middle of them
      if (e.type === 'phase' && e.phase === 'memberships') {
        emu.faults.configure({ rules: [{ route: '/roles/*', method: 'POST', latencyMs: 150 }, { route: '/organizations/*', method: 'POST', latencyMs: 150 }] });
      }
    };
    const run = startCli(restoreArgs(stateDir), tenantEnv(emu), slow);
    await waitFor(async () => (await membershipCount(emu)) > 0, run.child, 'the first membership');
    run.child.kill('SIGKILL');
    await run.done;
    emu.faults.clear();
    const before = await membershipCount(emu);
    console.log(`killed with ${before} of ${expectedMemberships.length} memberships present`);
    expect(before).toBeLessThan(expectedMemberships.length);
    const journal = await readJournal(stateDir);
    expect(journal.filter((e) => e.type === 'step-done').map((e) => e.step)).toEqual(['config', 'users']);

    const r = await startCli(restoreArgs(stateDir, '--resume'), tenantEnv(emu)).done;
    expect(r.code, explain(r)).toBe(expectedOutcome(r.stdout).code);
    const out = await expectRestored(emu, stateDir, r.stdout, { resumed: true });
    const added = ['role-members', 'org-members', 'org-member-roles'].reduce((n, k) => n + (out.counts[k]?.inserted ?? 0), 0);
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThanOrEqual(expectedMemberships.length - before);
  });
});
