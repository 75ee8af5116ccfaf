import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../core/errors.js';
import type { Clock } from '../core/abort.js';
import { ManualClock } from '../core/clock.js';
import type { ProgressEvent } from '../core/progress.js';
import {
  CorruptObjectError,
  StorageError,
  type CallOptions,
  type GetOptions,
  type ObjectInfo,
  type PutOptions,
  type RemoveOptions,
  type ReopenableSource,
  type StorageBackend,
  type StorageOperation,
} from './backend.js';
import { MemoryBackend } from './memory.js';
import { DEFAULT_RETRY_POLICY, PUT_ID_METADATA_KEY, RetryingBackend, retryDelayMs } from './retrying.js';

const signal = new AbortController().signal;
/** For tests not about timing: every wait ends at once. */
const instant: Clock = { now: () => 0, sleep: async () => undefined };
const transient = (operation: StorageOperation) => new StorageError('flaky', { operation, location: 'mem://t', transient: true });

/**
 * Memory underneath; scripted failures on top. A failure may be raised before the call reaches
 * memory ("before") or after memory did the work ("after": the answer was lost).
 */
class ScriptedBackend implements StorageBackend {
  readonly location = 'mem://t';
  readonly memory = new MemoryBackend({ location: 'mem://t' });
  readonly calls: StorageOperation[] = [];
  script: Array<{ operation: StorageOperation; error: Error; when: 'before' | 'after' }> = [];

  private async call<T>(operation: StorageOperation, fn: () => Promise<T>): Promise<T> {
    this.calls.push(operation);
    const index = this.script.findIndex((s) => s.operation === operation);
    const step = index >= 0 ? this.script.splice(index, 1)[0] : undefined;
    if (step?.when === 'before') throw step.error;
    const result = await fn();
    if (step?.when === 'after') throw step.error;
    return result;
  }

  put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    return this.call('put', () => this.memory.put(key, source, options));
  }
  get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T> {
    return this.call('get', () => this.memory.get(key, consume, options));
  }
  stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined> {
    return this.call('stat', () => this.memory.stat(key, options));
  }
  async *list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo> {
    this.calls.push('list');
    let n = 0;
    for await (const info of this.memory.list(prefix, options)) {
      const step = this.script.findIndex((s) => s.operation === 'list');
      if (n === 2 && step >= 0) throw this.script.splice(step, 1)[0]?.error;
      n++;
      yield info;
    }
  }
  remove(key: string, options: RemoveOptions): Promise<void> {
    return this.call('remove', () => this.memory.remove(key, options));
  }
}

/** Lets the code under test run until it waits on the clock. */
async function untilSleeping(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 1000 && clock.pending === 0; i++) await new Promise((r) => setImmediate(r));
  expect(clock.pending).toBe(1);
}

function text(value: string): ReopenableSource {
  return () => Readable.from([Buffer.from(value)]);
}

describe('retryDelayMs', () => {
  it('doubles from the base up to the cap, with jitter between half and all of it', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, policy, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('RetryingBackend', () => {
  it('retries transient failures after waiting exactly the backoff on the clock', async () => {
    const clock = new ManualClock();
    const inner = new ScriptedBackend();
    inner.script = [
      { operation: 'put', error: transient('put'), when: 'before' },
      { operation: 'put', error: transient('put'), when: 'before' },
    ];
    const events: ProgressEvent[] = [];
    const retrying = new RetryingBackend(inner, { clock, random: () => 0, progress: { emit: (e) => events.push(e) } });
    let opens = 0;
    const source = () => {
      opens++;
      return Readable.from([Buffer.from('data')]);
    };
    const put = retrying.put('k', source, { signal });
    await untilSleeping(clock);
    await clock.advance(DEFAULT_RETRY_POLICY.baseDelayMs / 2 - 1);
    expect(clock.pending).toBe(1); // not a millisecond early
    await clock.advance(1);
    await untilSleeping(clock);
    await clock.advance(DEFAULT_RETRY_POLICY.baseDelayMs);
    const info = await put;
    expect(info.size).toBe(4);
    expect(inner.calls).toEqual(['put', 'put', 'put']);
    expect(opens).toBe(1); // the scripted failures happen before the source is opened
    expect(events.map((e) => e.type === 'wait' && e.reason)).toEqual(['retry', 'retry']);
  });

  it('re-opens the source on every attempt that reached it', async () => {
    const inner = new ScriptedBackend();
    inner.script = [{ operation: 'put', error: transient('put'), when: 'after' }];
    const retrying = new RetryingBackend(inner, { clock: instant });
    let opens = 0;
    await retrying.put(
      'k',
      () => {
        opens++;
        return Readable.from([Buffer.from('x')]);
      },
      { signal },
    );
    expect(opens).toBe(2);
  });

  it('does not retry permanent errors, corruption or cancellation', async () => {
    for (const error of [
      new StorageError('denied', { operation: 'get', location: 'mem://t' }),
      new CorruptObjectError('bad', { operation: 'get', location: 'mem://t' }),
      new CancelledError(),
    ]) {
      const inner = new ScriptedBackend();
      await inner.memory.put('k', text('v'), { signal });
      inner.script = [{ operation: 'get', error, when: 'before' }];
      const clock = new ManualClock();
      await expect(new RetryingBackend(inner, { clock }).get('k', async () => 'read', { signal })).rejects.toBe(error);
      expect(inner.calls).toEqual(['get']);
      expect(clock.pending).toBe(0);
    }
  });

  it('gives up after maxAttempts and surfaces the last error', async () => {
    const inner = new ScriptedBackend();
    const errors = [transient('stat'), transient('stat'), transient('stat')];
    inner.script = errors.map((error) => ({ operation: 'stat' as const, error, when: 'before' as const }));
    const retrying = new RetryingBackend(inner, { clock: instant, maxAttempts: 3 });
    await expect(retrying.stat('k', { signal })).rejects.toBe(errors[2]);
    expect(inner.calls).toEqual(['stat', 'stat', 'stat']);
  });

  it('stops waiting as soon as the signal aborts, and starts nothing after', async () => {
    const clock = new ManualClock();
    const inner = new ScriptedBackend();
    inner.script = [{ operation: 'stat', error: transient('stat'), when: 'before' }];
    const controller = new AbortController();
    const stat = new RetryingBackend(inner, { clock }).stat('k', { signal: controller.signal });
    await untilSleeping(clock);
    controller.abort();
    await expect(stat).rejects.toBeInstanceOf(CancelledError);
    expect(inner.calls).toEqual(['stat']);
  });

  it('treats "already exists" after a lost answer as success when the object carries this put\'s id', async () => {
    const inner = new ScriptedBackend();
    inner.script = [{ operation: 'put', error: transient('put'), when: 'after' }];
    const retrying = new RetryingBackend(inner, { clock: instant });
    const info = await retrying.put('k', text('v'), { signal });
    expect(inner.calls).toEqual(['put', 'put', 'stat']);
    expect(info.metadata[PUT_ID_METADATA_KEY]).toBeDefined();
    // someone else's object under the key is still a conflict
    inner.script = [{ operation: 'put', error: transient('put'), when: 'before' }];
    await expect(retrying.put('k', text('w'), { signal })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
  });

  it('counts a retried remove that finds the object gone as done', async () => {
    const inner = new ScriptedBackend();
    await inner.memory.put('k', text('v'), { signal });
    inner.script = [{ operation: 'remove', error: transient('remove'), when: 'after' }];
    await new RetryingBackend(inner, { clock: instant }).remove('k', { signal });
    expect(inner.calls).toEqual(['remove', 'remove']);
    expect(await inner.memory.stat('k', { signal })).toBeUndefined();
  });

  it('resumes a failed list after the last key it yielded, without duplicates', async () => {
    const inner = new ScriptedBackend();
    for (const key of ['a', 'b', 'c', 'd', 'e']) await inner.memory.put(key, text(key), { signal });
    inner.script = [{ operation: 'list', error: transient('list'), when: 'before' }];
    const keys: string[] = [];
    for await (const info of new RetryingBackend(inner, { clock: instant }).list('', { signal })) {
      keys.push(info.key);
    }
    expect(keys).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(inner.calls).toEqual(['list', 'list']);
  });
});
