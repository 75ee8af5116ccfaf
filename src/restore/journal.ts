/**
 * The restore journal: one small storage object per event, written as the restore goes, so a
 * restore killed at any point (even kill -9) can be finished with `a0vault restore --resume`.
 *
 * Keys come from the layout module (`…/restores/<restore-id>/journal/<seq>.json`); objects are
 * never overwritten, so the journal is append-only by construction and a second writer on the
 * same restore fails on its first put instead of interleaving.
 *
 * Events: `start` (what was asked: snapshot, target, options; always seq 0), `step-done`
 * (config / users / memberships finished), `job-started` (an import job exists: a resumed run
 * waits for it instead of sending its users again), `job-done` (its summary, counted in the
 * report of the resumed run), `finished` (the restore record was written).
 */
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { A0vaultError } from '../core/errors.js';
import { restoreIdOfKey, restoreJournalKey, restoreJournalPrefix, restoresPrefix } from '../archive/layout.js';
import type { StorageBackend } from '../storage/backend.js';
import type { ImportJournal, JobSummary } from './import-runner.js';
import type { StepType } from './order.js';
import type { PlanSelection, UsersMode } from './types.js';

export interface JournalStart {
  type: 'start';
  restoreId: string;
  snapshotId: string;
  snapshotTenant: string;
  manifestKey: string;
  target: string;
  startedAt: string;
  selection: PlanSelection;
  options: { allowDelete: boolean; maxDeletes: number; users: UsersMode; toOtherTenant: boolean };
  planSha256: string;
  /** The command that started it (`restore` or `clone`), for `--resume`. */
  command: string;
}

export type JournalEvent =
  | JournalStart
  | { type: 'step-done'; step: StepType; at: string }
  | { type: 'job-started'; fileKey: string; jobId: string; connection: string; users: number; at: string }
  | { type: 'job-done'; fileKey: string; summary: JobSummary; at: string }
  | { type: 'finished'; outcome: string; at: string };

export class RestoreJournal implements ImportJournal {
  private seq: number;
  private writing: Promise<void> = Promise.resolve();
  private readonly doneFiles = new Map<string, JobSummary>();
  private readonly startedJobs = new Map<string, { jobId: string; connection: string; users: number }>();
  private readonly steps = new Set<StepType>();

  private constructor(
    private readonly storage: StorageBackend,
    private readonly prefix: string,
    private readonly tenant: string,
    readonly restoreId: string,
    readonly events: JournalEvent[],
    private readonly signal: AbortSignal,
    private readonly now: () => Date,
  ) {
    this.seq = events.length;
    for (const e of events) this.absorb(e);
  }

  /** Opens (and reads) the journal of one restore; a new restore has no events yet. */
  static async open(o: { storage: StorageBackend; prefix: string; tenant: string; restoreId: string; signal: AbortSignal; now?: () => Date }): Promise<RestoreJournal> {
    const events: JournalEvent[] = [];
    for await (const obj of o.storage.list(restoreJournalPrefix(o.prefix, o.tenant, o.restoreId), { signal: o.signal })) {
      const body = await o.storage.get(obj.key, (s) => text(s), { signal: o.signal });
      try {
        events.push(JSON.parse(body) as JournalEvent);
      } catch (err) {
        throw new A0vaultError('integrity', `restore journal object ${obj.key} is not JSON`, { cause: err, details: { key: obj.key } });
      }
    }
    return new RestoreJournal(o.storage, o.prefix, o.tenant, o.restoreId, events, o.signal, o.now ?? (() => new Date()));
  }

  get start(): JournalStart | undefined {
    const first = this.events[0];
    return first?.type === 'start' ? first : undefined;
  }

  get finished(): boolean {
    return this.events.some((e) => e.type === 'finished');
  }

  stepDone(step: StepType): boolean {
    return this.steps.has(step);
  }

  /** Jobs that were started but whose outcome was never recorded. */
  pendingJobs(): { fileKey: string; jobId: string; connection: string; users: number }[] {
    return [...this.startedJobs].filter(([k]) => !this.doneFiles.has(k)).map(([fileKey, j]) => ({ fileKey, ...j }));
  }

  /** Summaries of every finished import job, in journal order. */
  finishedJobs(): JobSummary[] {
    return [...this.doneFiles.values()];
  }

  /**
   * Writes one event. Appends are serialized: both import slots journal at the same moments,
   * and two puts racing for the same sequence number would fail the second ("already exists").
   */
  append(event: JournalEvent): Promise<void> {
    const write = this.writing.then(() => this.write(event));
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async write(event: JournalEvent): Promise<void> {
    const key = restoreJournalKey(this.prefix, this.tenant, this.restoreId, this.seq);
    const bytes = Buffer.from(`${JSON.stringify(event)}\n`);
    await this.storage.put(key, () => Readable.from([bytes]), { signal: this.signal, size: bytes.length, contentType: 'application/json' });
    this.seq++;
    this.events.push(event);
    this.absorb(event);
  }

  async markStep(step: StepType): Promise<void> {
    await this.append({ type: 'step-done', step, at: this.now().toISOString() });
  }

  // ImportJournal (import-runner.ts)
  done(fileKey: string): boolean {
    return this.doneFiles.has(fileKey);
  }

  record(fileKey: string, summary: JobSummary): Promise<void> {
    return this.append({ type: 'job-done', fileKey, summary, at: this.now().toISOString() });
  }

  started(fileKey: string, jobId: string, connection: string, users: number): Promise<void> {
    return this.append({ type: 'job-started', fileKey, jobId, connection, users, at: this.now().toISOString() });
  }

  private absorb(e: JournalEvent): void {
    if (e.type === 'step-done') this.steps.add(e.step);
    else if (e.type === 'job-started') this.startedJobs.set(e.fileKey, { jobId: e.jobId, connection: e.connection, users: e.users });
    else if (e.type === 'job-done') this.doneFiles.set(e.fileKey, e.summary);
  }
}

/** Restores of `tenant` at this location: ids with a journal, and whether a record was written; newest first. */
export async function listRestores(storage: StorageBackend, prefix: string, tenant: string, signal: AbortSignal): Promise<{ restoreId: string; hasRecord: boolean }[]> {
  const found = new Map<string, boolean>();
  for await (const obj of storage.list(restoresPrefix(prefix, tenant), { signal })) {
    const parsed = restoreIdOfKey(obj.key);
    if (!parsed) continue;
    found.set(parsed.restoreId, (found.get(parsed.restoreId) ?? false) || parsed.kind === 'record');
  }
  return [...found].sort(([a], [b]) => (a < b ? 1 : -1)).map(([restoreId, hasRecord]) => ({ restoreId, hasRecord }));
}
