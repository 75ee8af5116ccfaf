import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { CancelledError } from '../core/errors.js';
import { ManagementApi } from '../auth0/client.js';
import { toCredentials } from '../auth0/credentials.js';
import { drive, FakeApi, json, type FakeCall } from '../auth0/test-support/fake-api.js';
import { importFileKey, MemoryImportJournal, runImports, type ImportFileInput } from './import-runner.js';
import { RestoreReport } from './report.js';

const SECRET = '$2b$10$secretsecretsecret';

interface FakeJob {
  id: string;
  doneAt: number;
  fail: boolean;
  upsert: boolean;
  finished: boolean;
}

/** A fake tenant with Auth0's import rules: 2 running jobs at most, jobs finish after 3 s. */
function tenant(opts: { failFirst?: boolean; onCreate?: () => void; timeLeft?: boolean } = {}) {
  const clock = new ManualClock();
  const jobs = new Map<string, FakeJob>();
  const state = { active: 0, peak: 0, creates: 0, busy429: 0, upserts: [] as boolean[], connectionLookups: 0, polls: [] as number[] };
  const finish = (j: FakeJob) => {
    if (!j.finished && clock.now() >= j.doneAt) {
      j.finished = true;
      state.active--;
    }
  };
  const handler = async (c: FakeCall): Promise<Response> => {
    const path = c.url.pathname;
    if (c.method === 'GET' && path === '/api/v2/connections') {
      state.connectionLookups++;
      return json(200, { connections: [{ id: 'con_db', name: 'db', strategy: 'auth0' }] });
    }
    if (c.method === 'POST' && path === '/api/v2/jobs/users-imports') {
      for (const j of jobs.values()) finish(j);
      if (state.active >= 2) {
        state.busy429++;
        return json(429, { statusCode: 429, error: 'Too Many Requests', message: 'There are 2 active import users jobs, please wait until some of them are finished and try again' });
      }
      opts.onCreate?.();
      const form = c.body as FormData;
      const id = `job_${++state.creates}`;
      const upsert = String(form.get('upsert')) === 'true';
      state.upserts.push(upsert);
      jobs.set(id, { id, doneAt: clock.now() + 3000, fail: opts.failFirst === true && state.creates === 1, upsert, finished: false });
      state.active++;
      state.peak = Math.max(state.peak, state.active);
      return json(202, { id, type: 'users_import', status: 'pending', connection_id: String(form.get('connection_id')) });
    }
    const m = /^\/api\/v2\/jobs\/(job_\d+)(\/errors)?$/.exec(path);
    const job = m?.[1] ? jobs.get(m[1]) : undefined;
    if (c.method === 'GET' && job) {
      finish(job);
      if (m?.[2]) return json(200, [{ user: { user_id: `bad-${job.id}`, email: `bad@${job.id}.test`, password_hash: SECRET }, errors: [{ code: 'INVALID_FORMAT', message: 'bad email' }] }]);
      if (!m?.[2]) state.polls.push(clock.now());
      if (!job.finished) {
        const left = opts.timeLeft ? { time_left_seconds: Math.ceil((job.doneAt - clock.now()) / 1000) } : {};
        return json(200, { id: job.id, type: 'users_import', status: 'processing', ...left });
      }
      if (job.fail) return json(200, { id: job.id, type: 'users_import', status: 'failed', status_details: 'Internal error' });
      const summary = job.upsert ? { inserted: 0, updated: 9, failed: 1, total: 10 } : { inserted: 9, updated: 0, failed: 1, total: 10 };
      return json(200, { id: job.id, type: 'users_import', status: 'completed', summary });
    }
    return json(404, { statusCode: 404, message: 'not found' });
  };
  const fake = new FakeApi(clock, { handler, limit: 1000, refillPerSecond: 1000 });
  const api = new ManagementApi({ credentials: toCredentials({ domain: 't.example.com', clientId: 'cid', clientSecret: 'shh' }), fetch: fake.fetch, clock, queue: { random: () => 0.5 } });
  return { clock, api, state };
}

function file(i: number, connectionId: string | undefined = 'con_db'): ImportFileInput {
  return { connection: 'db', ...(connectionId ? { connectionId } : {}), bytes: Buffer.from(`[{"email":"u${i}@x.test"}]`), users: 10, firstUserId: `auth0|${i}a`, lastUserId: `auth0|${i}z` };
}

async function* files(n: number, connectionId?: string): AsyncGenerator<ImportFileInput> {
  for (let i = 0; i < n; i++) yield file(i, connectionId);
}

describe('runImports', () => {
  it('keeps at most two jobs running, waits on the slot 429 without failing, carries per-user errors without secrets', async () => {
    const t = tenant();
    const report = new RestoreReport();
    const run = runImports({ api: t.api, files: files(6), mode: 'insert', signal: new AbortController().signal, clock: t.clock, report, slots: 3, slotWaitMs: 500 });
    const result = await drive(t.clock, run, 100);
    expect(t.state.peak).toBe(2);
    expect(t.state.busy429).toBeGreaterThan(0);
    expect(result.slotWaits).toBe(t.state.busy429);
    expect(result.jobs).toBe(6);
    expect(result.byConnection.db).toEqual({ inserted: 54, updated: 0, failed: 6, skipped: 0, files: 6 });
    expect(report.counts['users:db']).toEqual({ inserted: 54, updated: 0, failed: 6, skipped: 0 });
    const errors = report.errors.filter((e) => e.type === 'users');
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatchObject({ item: 'auth0|bad-job_1', email: 'bad@job_1.test', codes: ['INVALID_FORMAT'] });
    expect(JSON.stringify(report.toJSON())).not.toContain(SECRET);
    expect(report.outcome).toBe('partially-failed');
  });

  it('retries a failed job with upsert and counts its users as inserted in insert mode', async () => {
    const t = tenant({ failFirst: true });
    const report = new RestoreReport();
    const result = await drive(t.clock, runImports({ api: t.api, files: files(2, ''), mode: 'insert', signal: new AbortController().signal, clock: t.clock, report }), 100);
    expect(t.state.connectionLookups).toBe(1);
    expect(result.retries).toBe(1);
    expect(t.state.upserts).toEqual([false, false, true]);
    expect(result.byConnection.db).toMatchObject({ inserted: 18, updated: 0, failed: 2 });
  });

  it('in upsert mode, counts the users a failed attempt inserted as inserted again (the file knows its planned inserts)', async () => {
    // the fake's upsert jobs report 9 updated, 1 failed of 10: all new users, or 4 new and 6 to update
    for (const [inserts, expected] of [[10, { inserted: 9, updated: 0, failed: 1 }], [4, { inserted: 4, updated: 5, failed: 1 }], [undefined, { inserted: 0, updated: 9, failed: 1 }]] as const) {
      const t = tenant({ failFirst: true });
      const report = new RestoreReport();
      const one = { ...file(0), ...(inserts !== undefined ? { inserts } : {}) };
      const result = await drive(t.clock, runImports({ api: t.api, files: (async function* () { yield one; })(), mode: 'upsert', signal: new AbortController().signal, clock: t.clock, report }), 100);
      expect(result.retries).toBe(1);
      expect(result.byConnection.db).toMatchObject(expected);
      expect(report.counts['users:db']).toMatchObject(expected);
    }
  });

  it('counts a file whose job keeps failing as failed after maxAttempts', async () => {
    const report = new RestoreReport();
    // the only attempt allowed is the one the fake fails
    const all = tenant({ failFirst: true });
    const result = await drive(all.clock, runImports({ api: all.api, files: files(1), mode: 'upsert', signal: new AbortController().signal, clock: all.clock, report, maxAttempts: 1 }), 100);
    expect(result.byConnection.db).toMatchObject({ inserted: 0, failed: 10 });
    expect(report.errors[0]).toMatchObject({ codes: ['JOB_FAILED'], item: 'auth0|0a..auth0|0z (10 users)' });
    expect(all.state.creates).toBe(1);
    expect(report.outcome).toBe('partially-failed');
  });

  it('skips files the journal has and records the others', async () => {
    const t = tenant();
    const journal = new MemoryImportJournal();
    await journal.record(importFileKey(file(0)), { jobId: 'job_old', connection: 'db', inserted: 10, updated: 0, failed: 0, total: 10, attempts: 1 });
    const result = await drive(t.clock, runImports({ api: t.api, files: files(3), mode: 'upsert', signal: new AbortController().signal, clock: t.clock, journal }), 100);
    expect(result.jobs).toBe(2);
    expect(result.byConnection.db).toMatchObject({ skipped: 10, updated: 18, failed: 2 });
    expect(journal.entries.size).toBe(3);
    expect(importFileKey(file(1))).toBe(importFileKey(file(1)));
    expect(importFileKey(file(1))).not.toBe(importFileKey(file(2)));
  });

  it('polls from 1 s with backoff, or sleeps until the time Auth0 says is left', async () => {
    const blind = tenant();
    await drive(blind.clock, runImports({ api: blind.api, files: files(1), mode: 'upsert', signal: new AbortController().signal, clock: blind.clock }), 50);
    const start = blind.state.polls[0]! - 1000;
    expect(blind.state.polls.map((p) => p - start)).toEqual([1000, 2500, 4750]);
    const told = tenant({ timeLeft: true });
    await drive(told.clock, runImports({ api: told.api, files: files(1), mode: 'upsert', signal: new AbortController().signal, clock: told.clock }), 50);
    const s2 = told.state.polls[0]! - 1000;
    expect(told.state.polls.map((p) => p - s2)).toEqual([1000, 3000]);
  });

  it('learns how long a job takes: later jobs are seen done soon after they end, not at the next backoff step', async () => {
    const created: number[] = [];
    const t = tenant({ onCreate: () => created.push(t.clock.now()) });
    await drive(t.clock, runImports({ api: t.api, files: files(10), mode: 'upsert', signal: new AbortController().signal, clock: t.clock, slots: 1 }), 50);
    expect(created).toHaveLength(10);
    // the poll that saw each job done: the last poll before the next job was created
    const seenDone = created.map((c, i) => Math.max(...t.state.polls.filter((p) => p >= c && (i + 1 >= created.length || p <= created[i + 1]!))) - c);
    expect(seenDone[0]).toBe(4750); // polls at 1 s, 2.5 s, 4.75 s; the job ended at 3 s
    for (const wait of seenDone.slice(-3)) {
      expect(wait).toBeGreaterThanOrEqual(3000);
      expect(wait).toBeLessThanOrEqual(3300);
    }
    expect(t.state.polls.length).toBeLessThan(10 * 6);
  });

  it('packs the next file while the jobs run: reads one file ahead once a job exists, holds at most slots + 1', async () => {
    const t = tenant();
    const atPull: { pulled: number; creates: number; completed: number }[] = [];
    let pulled = 0;
    let completed = 0;
    async function* watched(): AsyncGenerator<ImportFileInput> {
      for (let i = 0; i < 6; i++) {
        atPull.push({ pulled: ++pulled, creates: t.state.creates, completed });
        yield file(i);
      }
    }
    const progress = { emit: (e: { type: string }) => void (e.type === 'progress' && completed++) };
    await drive(t.clock, runImports({ api: t.api, files: watched(), mode: 'upsert', signal: new AbortController().signal, clock: t.clock, progress }), 100);
    expect(t.state.creates).toBe(6);
    // the third file is read while the first two jobs still run
    expect(atPull[2]).toMatchObject({ creates: 2, completed: 0 });
    for (const p of atPull) expect(p.pulled - p.completed).toBeLessThanOrEqual(3);
  });

  it('starts nothing after the signal aborts', async () => {
    const ac = new AbortController();
    const t = tenant({ onCreate: () => ac.abort() });
    const run = runImports({ api: t.api, files: files(5), mode: 'insert', signal: ac.signal, clock: t.clock });
    await expect(drive(t.clock, run, 100)).rejects.toBeInstanceOf(CancelledError);
    expect(t.state.creates).toBeLessThanOrEqual(2);
  });
});
