import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.js';
import { RestoreJournal } from './journal.js';

const RESTORE_ID = '20261125T081738Z-65avmc';

async function openJournal(storage: MemoryBackend): Promise<RestoreJournal> {
  return RestoreJournal.open({ storage, prefix: '', tenant: 'example.auth0.com', restoreId: RESTORE_ID, signal: new AbortController().signal, now: () => new Date(0) });
}

describe('RestoreJournal', () => {
  it('takes concurrent appends (both import slots at once) in order, one object each, and reads them back', async () => {
    const storage = new MemoryBackend();
    const journal = await openJournal(storage);
    const summary = (jobId: string) => ({ jobId, connection: 'db', inserted: 10, updated: 0, failed: 0, total: 10, attempts: 1 });
    await Promise.all([
      journal.started('file-a', 'job_a', 'db', 10),
      journal.started('file-b', 'job_b', 'db', 10),
      journal.record('file-a', summary('job_a')),
      journal.record('file-b', summary('job_b')),
      journal.started('file-c', 'job_c', 'db', 10),
    ]);
    const reopened = await openJournal(storage);
    expect(reopened.events.map((e) => [e.type, 'fileKey' in e ? e.fileKey : ''])).toEqual([
      ['job-started', 'file-a'],
      ['job-started', 'file-b'],
      ['job-done', 'file-a'],
      ['job-done', 'file-b'],
      ['job-started', 'file-c'],
    ]);
    expect(reopened.pendingJobs().map((p) => p.jobId)).toEqual(['job_c']);
    expect(reopened.finishedJobs().map((s) => s.jobId)).toEqual(['job_a', 'job_b']);
    // a later writer goes on after the last object
    await reopened.markStep('users');
    expect((await openJournal(storage)).stepDone('users')).toBe(true);
  });

  it('a refused put rejects its append without stalling the next one (a second writer on the same restore is refused)', async () => {
    const storage = new MemoryBackend();
    const journal = await openJournal(storage);
    const first = await openJournal(storage);
    await first.markStep('config'); // takes sequence 0 behind the second writer's back
    await expect(journal.markStep('config')).rejects.toThrow(/exists/);
    await expect(journal.markStep('users')).rejects.toThrow(/exists/);
    expect(journal.stepDone('users')).toBe(false);
  });
});
