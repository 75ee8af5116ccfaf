/**
 * The emulator's job engine (user exports and imports), driven by the tenant clock.
 *
 * Algorithm: job state is a function of time. `tick()` looks at every job and moves it as far
 * as the clock allows — exports go pending → processing after 20 % of `exportLatencyMs` (their
 * file is generated then, streamed from SQLite) and complete once the file exists and the whole
 * latency has passed; imports start after `importStartDelayMs` and apply
 * `importUsersPerSecond × elapsed` records, completing when all are applied. Jobs older than
 * `jobTtlMs` are forgotten (their files deleted). Every job route calls `tick()` first; in a
 * server a timer calls it too (`tickIntervalMs`), while tests drive a manual clock and call
 * `tick()` / `settle()` themselves, so nothing depends on real time.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqliteUserStore } from '../users/store.js';
import { writeExportFile } from './export-runner.js';
import { parseUsersFile, processImportUsers } from './import-users.js';
import { isActiveImport, type ExportJob, type ImportJob, type Job } from './job-model.js';
import { UrlSigner } from './signed-url.js';

export interface JobServiceOptions {
  /** Tenant clock (ms). Default Date.now. */
  now?: () => number;
  /** Creation → completed for exports (default 1,000 ms). */
  exportLatencyMs?: number;
  /** Lifetime of an export `location` link (default 60 s). */
  locationTtlMs?: number;
  /** Job data lifetime (default 24 h); afterwards GET answers 404 and files are deleted. */
  jobTtlMs?: number;
  /** Import speed per job (default 2,000 users/s; Infinity = all at the first tick). */
  importUsersPerSecond?: number;
  /** Pending time before an import starts (default 0: at the next tick). */
  importStartDelayMs?: number;
  /** Import jobs fail after this long without finishing (default 2 h, as on Auth0). */
  importTimeoutMs?: number;
  /** Concurrent pending/processing import jobs allowed (default 2). */
  maxConcurrentImports?: number;
  /** Base name of export files (`<tenant>.json.gz`); default "emulator". */
  tenantName?: string;
  /** Real-time timer period calling tick() (default 50 ms; 0 = no timer). */
  tickIntervalMs?: number;
  /** Extra failure injection outside a server (the server's fault registry is used too). */
  shouldFail?: (kind: 'export-job' | 'import-job') => boolean;
}

/** Reports import concurrency to the server's stats (same shape as the server's JobGauge). */
export interface ImportGauge {
  importJobStarted(): void;
  importJobFinished(): void;
}

export interface JobStats {
  activeImports: number;
  peakConcurrentImports: number;
  exportsCreated: number;
  importsCreated: number;
}

type Defaults = Required<Omit<JobServiceOptions, 'shouldFail'>>;

export class JobService {
  readonly options: Defaults;
  readonly signer = new UrlSigner();
  readonly jobs = new Map<string, Job>();
  private readonly gauges = new Map<string, ImportGauge>();
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly extraFailure: JobServiceOptions['shouldFail'];
  private peak = 0;
  private created = { exports: 0, imports: 0 };

  constructor(
    readonly store: SqliteUserStore,
    options: JobServiceOptions = {},
  ) {
    this.options = {
      now: options.now ?? Date.now,
      exportLatencyMs: options.exportLatencyMs ?? 1000,
      locationTtlMs: options.locationTtlMs ?? 60_000,
      jobTtlMs: options.jobTtlMs ?? 86_400_000,
      importUsersPerSecond: options.importUsersPerSecond ?? 2000,
      importStartDelayMs: options.importStartDelayMs ?? 0,
      importTimeoutMs: options.importTimeoutMs ?? 7_200_000,
      maxConcurrentImports: options.maxConcurrentImports ?? 2,
      tenantName: options.tenantName ?? 'emulator',
      tickIntervalMs: options.tickIntervalMs ?? 50,
    };
    this.extraFailure = options.shouldFail;
    store.onClear(() => this.clear());
    if (this.options.tickIntervalMs > 0) {
      this.timer = setInterval(() => this.tick(), this.options.tickIntervalMs);
      this.timer.unref();
    }
  }

  get exportDir(): string {
    return join(this.store.scratchDir, 'exports');
  }

  now(): number {
    return this.options.now();
  }

  /** True when an injected failure should hit a job created now. */
  decideFailure(kind: 'export-job' | 'import-job', serverFaults?: { shouldFail(kind: string): boolean }): boolean {
    return (serverFaults?.shouldFail(kind) ?? false) || (this.extraFailure?.(kind) ?? false);
  }

  activeImports(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (isActiveImport(j)) n++;
    return n;
  }

  addExport(job: ExportJob): void {
    this.jobs.set(job.id, job);
    this.created.exports++;
  }

  addImport(job: ImportJob, gauge?: ImportGauge): void {
    this.jobs.set(job.id, job);
    this.created.imports++;
    if (gauge) {
      this.gauges.set(job.id, gauge);
      gauge.importJobStarted();
    }
    this.peak = Math.max(this.peak, this.activeImports());
  }

  stats(): JobStats {
    return {
      activeImports: this.activeImports(),
      peakConcurrentImports: this.peak,
      exportsCreated: this.created.exports,
      importsCreated: this.created.imports,
    };
  }

  /** The job if it exists and has not expired. */
  get(id: string): Job | undefined {
    this.tick();
    return this.jobs.get(id);
  }

  /** Moves every job as far as the clock allows. Never throws. */
  tick(): void {
    const now = this.now();
    for (const job of [...this.jobs.values()]) {
      if (now >= job.createdAt + this.options.jobTtlMs) {
        this.forget(job);
        continue;
      }
      if (job.type === 'users_export') this.stepExport(job, now);
      else this.stepImport(job, now);
    }
  }

  /** Resolves when no export file is being written (tests: after tick()). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private stepExport(job: ExportJob, now: number): void {
    const latency = this.options.exportLatencyMs;
    if (job.status === 'pending' && now >= job.createdAt + latency * 0.2) {
      job.status = 'processing';
      job.rowsTotal = this.store.count();
      job.generation = 'running';
      const p = writeExportFile(this.store, job, this.exportDir, this.abort.signal)
        .then((file) => {
          job.file = file;
          job.generation = 'done';
        })
        .catch(() => {
          job.generation = 'error';
        })
        .finally(() => {
          this.running.delete(p);
        });
      this.running.add(p);
    }
    if (job.status !== 'processing' || job.generation === 'running' || now < job.createdAt + latency) return;
    if (job.generation === 'error' || job.failWith !== undefined) {
      job.status = 'failed';
      job.statusDetails = job.failWith ?? 'Failed to export users.';
    } else {
      job.status = 'completed';
    }
  }

  private stepImport(job: ImportJob, now: number): void {
    if (job.status === 'pending') {
      const startAt = job.createdAt + this.options.importStartDelayMs;
      if (now < startAt) return;
      const parsed = parseUsersFile(job.file ?? Buffer.alloc(0));
      job.file = undefined;
      if ('error' in parsed) return this.finishImport(job, 'failed', parsed.error);
      job.users = parsed.users;
      job.summary.total = parsed.users.length;
      job.startedAt = startAt;
      job.status = 'processing';
    }
    if (job.status !== 'processing') return;
    const started = job.startedAt ?? job.createdAt;
    const rate = this.options.importUsersPerSecond;
    const allowed = rate === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.floor(((now - started) * rate) / 1000);
    const total = job.users?.length ?? 0;
    const due = Math.min(total, allowed) - job.processed;
    if (due > 0) {
      try {
        processImportUsers(this.store, job, due, new Date(now).toISOString());
      } catch (err) {
        return this.finishImport(job, 'failed', `Internal error while importing users: ${String(err)}`);
      }
    }
    if (job.processed >= total) {
      if (job.failWith !== undefined) this.finishImport(job, 'failed', job.failWith);
      else this.finishImport(job, 'completed');
    } else if (now >= job.createdAt + this.options.importTimeoutMs) {
      this.finishImport(job, 'failed', 'The job timed out.');
    }
  }

  private finishImport(job: ImportJob, status: 'completed' | 'failed', details?: string): void {
    job.status = status;
    if (details !== undefined) job.statusDetails = details;
    job.users = undefined;
    this.gauges.get(job.id)?.importJobFinished();
    this.gauges.delete(job.id);
  }

  private forget(job: Job): void {
    this.jobs.delete(job.id);
    if (isActiveImport(job)) {
      this.gauges.get(job.id)?.importJobFinished();
      this.gauges.delete(job.id);
    }
    if (job.type === 'users_export') void rm(join(this.exportDir, job.id), { recursive: true, force: true });
  }

  /** Drops every job (admin reset). */
  clear(): void {
    for (const job of [...this.jobs.values()]) this.forget(job);
  }

  /** Stops the timer and any file being written. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
  }
}

/** Creates the job service for one tenant (see JobServiceOptions for the knobs). */
export function createJobService(store: SqliteUserStore, options: JobServiceOptions = {}): JobService {
  return new JobService(store, options);
}
