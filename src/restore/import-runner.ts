/**
 * Runs user-import files (from ImportPacker) through `POST /jobs/users-imports`.
 *
 * Algorithm: `slots` workers (default 2, Auth0's limit of running import jobs per tenant) pull
 * files from one shared iterator, which is read one file ahead once a job has been created (the
 * next file is packed while the jobs run, not while a slot waits or a file uploads), so both
 * slots stay busy and at most `slots` + 1 files are held in memory. Per file: skip it when the journal already has it; resolve the connection id by name
 * (cached); create the job with `external_id` = a stable key of the file (connection + content
 * hash); a 429 "active import users jobs" means another job still holds a slot: wait and try
 * again (never a failure). Then poll `GET /jobs/{id}` adaptively (import-poll.ts: from the
 * time per user the finished jobs took, first a little before this job should end, then in
 * short steps; before any job has finished from `pollStartMs` ×1.5; Auth0's
 * `time_left_seconds` when the job states one; within [`pollMinMs`, `pollMaxMs`]; priority
 * 'polling'). A completed job's `/jobs/{id}/errors` are carried into the
 * report, one item per failed user (user_id/email and Auth0's codes only: the user record sent
 * back by Auth0 is never copied, so no hash or metadata leaks). A job-level failure (status
 * `failed`, or a create that failed without a 4xx answer) is retried up to `maxAttempts` times,
 * re-submitting the same file with upsert on, since the failed job may have written some users;
 * in insert mode the users a retry "updates" are counted as inserted (the earlier attempt of
 * this run inserted them), and in upsert mode as many of them as the file's planned `inserts`
 * still lack. A file that still fails counts all its users as failed.
 *
 * Contract: inserted + updated + failed = users of all files not skipped, per connection. After
 * the signal aborts no new job is created; the run rejects with CancelledError.
 */
import { createHash } from 'node:crypto';
import { throwIfAborted, systemClock, type Clock } from '../core/abort.js';
import { CancelledError, describeError } from '../core/errors.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import type { ManagementApi } from '../auth0/client.js';
import { listConnections } from '../auth0/connections.js';
import { ManagementApiError } from '../auth0/errors.js';
import { createUsersImport, getJob, getJobErrors, type ImportUserError } from '../auth0/jobs.js';
import { ImportPollSchedule } from './import-poll.js';
import { RestoreReport } from './report.js';

export interface ImportFileInput {
  connection: string;
  connectionId?: string;
  bytes: Uint8Array;
  users: number;
  firstUserId: string;
  lastUserId: string;
  /** How many of its users the plan inserts (the others it updates), when known. */
  inserts?: number;
}

export interface JobSummary {
  jobId: string;
  connection: string;
  inserted: number;
  updated: number;
  failed: number;
  total: number;
  attempts: number;
}

/** Which files a resumed restore may skip. `record` is awaited before the file counts as done. */
export interface ImportJournal {
  done(fileKey: string): boolean;
  record(fileKey: string, summary: JobSummary): Promise<void>;
  /** Called once a job exists, before it is polled (a resumed restore waits for such jobs). */
  started?(fileKey: string, jobId: string, connection: string, users: number): Promise<void>;
}

/** In-memory journal (tests, and the shape a storage-backed one follows). */
export class MemoryImportJournal implements ImportJournal {
  readonly entries = new Map<string, JobSummary>();
  done(fileKey: string): boolean {
    return this.entries.has(fileKey);
  }
  record(fileKey: string, summary: JobSummary): Promise<void> {
    this.entries.set(fileKey, summary);
    return Promise.resolve();
  }
}

export interface ConnectionTotals {
  inserted: number;
  updated: number;
  failed: number;
  /** Users in files skipped because the journal had them. */
  skipped: number;
  files: number;
}

export interface ImportRunResult {
  byConnection: Record<string, ConnectionTotals>;
  jobs: number;
  retries: number;
  slotWaits: number;
}

export interface RunImportsOptions {
  api: ManagementApi;
  files: AsyncIterable<ImportFileInput>;
  mode: 'upsert' | 'insert';
  signal: AbortSignal;
  clock?: Clock;
  progress?: ProgressReporter;
  journal?: ImportJournal;
  report?: RestoreReport;
  slots?: number;
  maxAttempts?: number;
  pollStartMs?: number;
  pollMaxMs?: number;
  /** Shortest delay between two polls of one job (default 100 ms). */
  pollMinMs?: number;
  /** Wait before trying again after a 429 "active import users jobs". */
  slotWaitMs?: number;
}

/** The stable key (and external_id) of a file: same connection and bytes → same key. */
export function importFileKey(file: Pick<ImportFileInput, 'connection' | 'bytes'>): string {
  const h = createHash('sha256').update(file.connection).update('\0').update(file.bytes).digest('hex');
  return `a0v-${h.slice(0, 40)}`;
}

export function isImportSlotBusy(err: unknown): boolean {
  return err instanceof ManagementApiError && err.status === 429 && /active import users jobs/i.test(err.apiMessage ?? err.message);
}

/** The report's resource type for users of one connection. */
export const usersType = (connection: string): string => `users:${connection}`;

export async function runImports(o: RunImportsOptions): Promise<ImportRunResult> {
  const clock = o.clock ?? systemClock;
  const progress = o.progress ?? silentProgress;
  const report = o.report ?? new RestoreReport();
  const maxAttempts = o.maxAttempts ?? 3;
  const pollMax = o.pollMaxMs ?? 10_000;
  const schedule = new ImportPollSchedule({ startMs: o.pollStartMs ?? 1000, maxMs: pollMax, minMs: Math.min(pollMax, o.pollMinMs ?? 100) });
  const slotWait = o.slotWaitMs ?? 2000;
  const result: ImportRunResult = { byConnection: {}, jobs: 0, retries: 0, slotWaits: 0 };
  const connectionIds = new Map<string, Promise<string | undefined>>();
  const inner = new AbortController();
  const signal = AbortSignal.any([o.signal, inner.signal]);
  const iterator = o.files[Symbol.asyncIterator]();
  let usersDone = 0;

  const totals = (c: string): ConnectionTotals => (result.byConnection[c] ??= { inserted: 0, updated: 0, failed: 0, skipped: 0, files: 0 });

  const resolveConnection = (file: ImportFileInput): Promise<string | undefined> => {
    if (file.connectionId) return Promise.resolve(file.connectionId);
    let p = connectionIds.get(file.connection);
    if (!p) {
      p = (async () => {
        for await (const c of listConnections(o.api, { name: file.connection, signal })) if (c.name === file.connection && c.id) return c.id;
        return undefined;
      })();
      connectionIds.set(file.connection, p);
    }
    return p;
  };

  const failWholeFile = (file: ImportFileInput, message: string, codes: string[]): void => {
    totals(file.connection).failed += file.users;
    report.count(usersType(file.connection), { failed: file.users });
    report.itemError({ type: 'users', item: `${file.firstUserId}..${file.lastUserId} (${file.users} users)`, codes, message });
  };

  const createJob = async (file: ImportFileInput, connectionId: string, key: string, upsert: boolean): Promise<string> => {
    for (;;) {
      throwIfAborted(signal);
      try {
        const job = await createUsersImport(o.api, { users: file.bytes, connectionId, upsert, externalId: key, signal });
        result.jobs++;
        return String(job.id);
      } catch (err) {
        if (!isImportSlotBusy(err)) throw err;
        result.slotWaits++;
        progress.emit({ type: 'wait', reason: 'job', ms: slotWait, message: 'both import slots busy; waiting for a job to finish' });
        await clock.sleep(slotWait, signal);
      }
    }
  };

  /** Polls a job created at `createdAt` (clock time) until it is completed or failed. */
  const pollJob = async (jobId: string, users: number, createdAt: number) => {
    let delay = schedule.first(users);
    for (let polls = 1; ; polls++) {
      await clock.sleep(delay, signal);
      // measured when the poll is sent: the answer's own latency is not part of the job's time
      const elapsed = clock.now() - createdAt;
      const job = await getJob(o.api, jobId, { signal });
      if (job.status === 'completed') schedule.observe(users, elapsed, polls === 1);
      if (job.status === 'completed' || job.status === 'failed') return job;
      delay = schedule.next(users, elapsed, delay, typeof job.time_left_seconds === 'number' ? job.time_left_seconds : undefined);
    }
  };

  const carryErrors = (file: ImportFileInput, errors: ImportUserError[]): void => {
    for (const e of errors) {
      const uid = typeof e.user?.user_id === 'string' ? e.user.user_id : undefined;
      const email = typeof e.user?.email === 'string' ? e.user.email : undefined;
      report.itemError({
        type: 'users',
        item: uid === undefined ? (email ?? 'unknown user') : uid.includes('|') ? uid : `auth0|${uid}`,
        ...(email !== undefined ? { email } : {}),
        codes: (e.errors ?? []).map((x) => x.code ?? 'UNKNOWN'),
        message: `${file.connection}: ${(e.errors ?? []).map((x) => x.message ?? x.code ?? '').join('; ')}`,
      });
    }
  };

  const runFile = async (file: ImportFileInput): Promise<void> => {
    const key = importFileKey(file);
    const t = totals(file.connection);
    t.files++;
    if (o.journal?.done(key)) {
      t.skipped += file.users;
      report.count(usersType(file.connection), { skipped: file.users });
      return;
    }
    const connectionId = await resolveConnection(file);
    if (connectionId === undefined) return failWholeFile(file, `connection ${file.connection} not found in the target`, ['CONNECTION_NOT_FOUND']);
    let lastProblem = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) result.retries++;
      const retry = attempt > 1;
      let jobId: string;
      let createdAt: number;
      try {
        jobId = await createJob(file, connectionId, key, o.mode === 'upsert' || retry);
        createdAt = clock.now();
        readAhead();
        await o.journal?.started?.(key, jobId, file.connection, file.users);
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        const status = err instanceof ManagementApiError ? err.status : undefined;
        // a 4xx answer is about the file itself: sending it again will not help
        if (status !== undefined && status >= 400 && status < 500 && status !== 429) return failWholeFile(file, describeError(err), [String(status)]);
        lastProblem = describeError(err);
        continue;
      }
      const job = await pollJob(jobId, file.users, createdAt);
      if (job.status === 'failed') {
        lastProblem = `job ${jobId} failed: ${job.status_details ?? 'no details'}`;
        progress.emit({ type: 'warning', message: `import ${lastProblem}; attempt ${attempt} of ${maxAttempts}` });
        continue;
      }
      const s = job.summary ?? {};
      let inserted = s.inserted ?? 0;
      let updated = s.updated ?? 0;
      const failed = s.failed ?? 0;
      if (retry && o.mode === 'insert') {
        inserted += updated;
        updated = 0;
      } else if (retry && file.inserts !== undefined) {
        // upsert: the users an earlier attempt inserted come back as updated; the plan knows
        // how many of the file's users are new, so those count as inserted again
        const moved = Math.min(updated, Math.max(0, file.inserts - inserted));
        inserted += moved;
        updated -= moved;
      }
      const counted = inserted + updated + failed;
      if (counted !== file.users) report.warn('users', `job ${jobId} summarised ${counted} users for a file of ${file.users}`);
      t.inserted += inserted;
      t.updated += updated;
      t.failed += failed;
      report.count(usersType(file.connection), { inserted, updated, failed });
      if (failed > 0) carryErrors(file, await getJobErrors(o.api, jobId, { signal }));
      await o.journal?.record(key, { jobId, connection: file.connection, inserted, updated, failed, total: file.users, attempts: attempt });
      usersDone += file.users;
      progress.emit({ type: 'progress', phase: 'users', done: usersDone, unit: 'users' });
      return;
    }
    failWholeFile(file, `import failed after ${maxAttempts} attempts: ${lastProblem}`, ['JOB_FAILED']);
  };

  let exhausted = false;
  let ahead: Promise<IteratorResult<ImportFileInput>> | undefined;
  const pull = (): Promise<IteratorResult<ImportFileInput>> => {
    const p = iterator.next();
    p.catch(() => undefined); // awaited by the worker that takes it; not unhandled meanwhile
    return p;
  };
  const next = async (): Promise<ImportFileInput | undefined> => {
    if (exhausted) return undefined;
    throwIfAborted(signal);
    // take the file read ahead, if any (synchronously, so two workers never share one)
    const taken = ahead ?? pull();
    ahead = undefined;
    const r = await taken;
    if (r.done) exhausted = true;
    return r.done ? undefined : r.value;
  };
  /** Starts reading the next file while a job runs. */
  function readAhead(): void {
    if (!exhausted && ahead === undefined && !signal.aborted) ahead = pull();
  }

  const worker = async (): Promise<void> => {
    for (let file = await next(); file; file = await next()) await runFile(file);
  };

  try {
    await Promise.all(
      Array.from({ length: o.slots ?? 2 }, () =>
        worker().catch((err: unknown) => {
          inner.abort(err);
          throw err;
        }),
      ),
    );
  } finally {
    await iterator.return?.();
  }
  throwIfAborted(o.signal);
  return result;
}
