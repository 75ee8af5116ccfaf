/**
 * Runs one Auth0 bulk user export to completion and yields the gzip NDJSON file's bytes.
 *
 * Algorithm:
 * 1. POST /jobs/users-exports with every exportable field, all connections.
 * 2. Poll GET /jobs/{id} with capped backoff (1 s doubling to 15 s) until `completed`;
 *    a `failed` or `expired` job is replaced by a new one, at most `maxJobAttempts` times.
 * 3. Download `location`. The signed URL lives 60 s (bulk-user-exports docs, "Limits"): when it
 *    has expired, or the connection drops mid-file, GET the job again for a fresh URL and resume
 *    at the byte already received (HTTP Range; if the server ignores Range, the bytes already
 *    received are skipped, since the file of one job does not change). No byte is duplicated or
 *    lost, so no user is.
 * Guarantees: bytes are yielded in order exactly once; nothing is buffered beyond one chunk.
 * Errors: A0vaultError('api') when every job attempt failed or the download kept failing;
 * CancelledError on abort.
 */
import type { Clock } from '../core/abort.js';
import { A0vaultError, CancelledError } from '../core/errors.js';
import type { ProgressReporter } from '../core/progress.js';
import { EXPORT_FIELDS } from './export-fields.js';
import type { ExportJob, TenantReader } from './types.js';

export interface UsersExportOptions {
  reader: TenantReader;
  clock: Clock;
  progress: ProgressReporter;
  signal: AbortSignal;
  maxJobAttempts?: number;
  maxDownloadAttempts?: number;
  /** Upper bound on the poll interval. */
  maxPollMs?: number;
}

export interface UsersExportStats {
  jobIds: string[];
  bytes: number;
  resumes: number;
  urlRefreshes: number;
}

export async function* exportUsers(options: UsersExportOptions, stats: UsersExportStats): AsyncGenerator<Buffer> {
  const { reader, signal } = options;
  const maxJobs = options.maxJobAttempts ?? 3;
  let lastFailure = '';
  for (let attempt = 1; attempt <= maxJobs; attempt++) {
    const job = await reader.createUsersExport([...EXPORT_FIELDS], signal);
    stats.jobIds.push(job.id);
    options.progress.emit({ type: 'phase', phase: 'users', message: `export job ${job.id} started` });
    const done = await waitForJob(job.id, options);
    if (done.status === 'completed') {
      yield* download(done, options, stats);
      return;
    }
    lastFailure = `${done.status}${done.statusDetails ? `: ${done.statusDetails}` : ''}`;
    options.progress.emit({ type: 'warning', message: `export job ${job.id} ${lastFailure}; starting a new one (${attempt}/${maxJobs})` });
  }
  throw new A0vaultError('api', `user export failed ${maxJobs} times (last: ${lastFailure})`);
}

async function waitForJob(jobId: string, options: UsersExportOptions): Promise<ExportJob> {
  let delay = 1000;
  const cap = options.maxPollMs ?? 15_000;
  for (;;) {
    const job = await options.reader.getJob(jobId, options.signal);
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'expired') return job;
    options.progress.emit({ type: 'progress', phase: 'export job', done: job.percentageDone ?? 0, total: 100, unit: '%' });
    options.progress.emit({ type: 'wait', reason: 'job', ms: delay, message: `export job ${jobId} ${job.status}` });
    await options.clock.sleep(delay, options.signal);
    delay = Math.min(cap, delay * 2);
  }
}

async function* download(job: ExportJob, options: UsersExportOptions, stats: UsersExportStats): AsyncGenerator<Buffer> {
  const { reader, signal } = options;
  const maxAttempts = options.maxDownloadAttempts ?? 8;
  let location = job.location;
  let failures = 0;
  let refreshes = 0;
  const maxRefreshes = 20;
  let lastError: unknown;
  while (failures < maxAttempts) {
    if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
    if (!location) {
      location = (await reader.getJob(job.id, signal)).location;
      stats.urlRefreshes++;
      if (!location) throw new A0vaultError('api', `export job ${job.id} completed without a download location`);
    }
    const opened = await reader.openDownload(location, stats.bytes, signal).catch((err: unknown) => {
      if (signal.aborted) throw err;
      lastError = err;
      return undefined;
    });
    if (!opened || opened.expired) {
      // an expired URL is a normal event (60 s lifetime) but must not loop forever
      if (opened) refreshes++;
      else failures++;
      if (refreshes > maxRefreshes) throw new A0vaultError('api', `export download of job ${job.id}: URL expired ${refreshes} times`);
      location = undefined;
      continue;
    }
    let skip = stats.bytes - opened.fromOffset;
    if (stats.bytes > 0) stats.resumes++;
    try {
      for await (const raw of opened.stream) {
        let chunk = raw as Buffer;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        stats.bytes += chunk.length;
        yield chunk;
      }
      return;
    } catch (err) {
      if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
      lastError = err;
      failures++;
      options.progress.emit({ type: 'warning', message: `export download interrupted at byte ${stats.bytes}; resuming` });
      location = undefined;
    }
  }
  throw new A0vaultError('api', `export download of job ${job.id} failed ${maxAttempts} times`, { cause: lastError });
}
