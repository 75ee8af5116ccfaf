/**
 * Retrying decorator: the one place where storage calls are retried.
 *
 * Contract:
 * - Only StorageErrors with `transient: true` are retried; everything else (including
 *   CorruptObjectError, PreconditionFailedError, CancelledError) surfaces at once.
 * - Up to `maxAttempts` attempts, waiting a capped exponential backoff with jitter between them
 *   (attempt n waits between cap/2 and cap, cap = min(maxDelayMs, baseDelayMs * 2^(n-1))) on the
 *   injected clock. Nothing starts after the signal aborts, and a wait ends at once on abort.
 * - A retried put re-opens its source. Each put carries a random `a0vault-put-id` in its custom
 *   metadata: if a retry of a create or compare-and-swap is refused because the object now
 *   exists, and the object there carries this put's id, the earlier attempt did succeed (only its
 *   answer was lost) and the put returns that object instead of failing.
 * - A retried remove that finds the object gone counts as done (the earlier attempt removed it).
 * - A retried get runs `consume` again on a fresh stream.
 * - A list that fails part-way is restarted and resumes after the last key it yielded.
 * - Every wait is reported as a progress event `{type: 'wait', reason: 'retry'}`.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { systemClock, throwIfAborted, type Clock } from '../core/abort.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import {
  ObjectNotFoundError,
  PreconditionFailedError,
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
import { compareKeys } from './keys.js';

/** Custom metadata key carrying the id of the put that wrote an object. */
export const PUT_ID_METADATA_KEY = 'a0vault-put-id';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface RetryingBackendOptions extends Partial<RetryPolicy> {
  clock?: Clock;
  /** Uniform in [0, 1); injectable so tests know the exact delays. */
  random?: () => number;
  progress?: ProgressReporter;
}

/** The wait before attempt `failures + 1`, after `failures` failed attempts (>= 1). */
export function retryDelayMs(failures: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export class RetryingBackend implements StorageBackend {
  readonly location: string;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly progress: ProgressReporter;

  constructor(
    private readonly inner: StorageBackend,
    options: RetryingBackendOptions = {},
  ) {
    this.location = inner.location;
    this.policy = {
      maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.progress = options.progress ?? silentProgress;
  }

  put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    const putId = randomUUID();
    const tagged: PutOptions = { ...options, metadata: { ...options.metadata, [PUT_ID_METADATA_KEY]: putId } };
    return this.run('put', key, options.signal, async (attempt) => {
      try {
        return await this.inner.put(key, source, tagged);
      } catch (err) {
        if (attempt > 1 && err instanceof PreconditionFailedError && options.overwrite !== true) {
          const current = await this.inner.stat(key, { signal: options.signal });
          if (current?.metadata[PUT_ID_METADATA_KEY] === putId) return current;
        }
        throw err;
      }
    });
  }

  get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T> {
    return this.run('get', key, options.signal, () => this.inner.get(key, consume, options));
  }

  stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined> {
    return this.run('stat', key, options.signal, () => this.inner.stat(key, options));
  }

  remove(key: string, options: RemoveOptions): Promise<void> {
    return this.run('remove', key, options.signal, async (attempt) => {
      try {
        await this.inner.remove(key, options);
      } catch (err) {
        if (attempt > 1 && err instanceof ObjectNotFoundError) return;
        throw err;
      }
    });
  }

  async *list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo> {
    let lastKey: string | undefined;
    let failures = 0;
    for (;;) {
      throwIfAborted(options.signal);
      try {
        for await (const info of this.inner.list(prefix, options)) {
          if (lastKey !== undefined && compareKeys(info.key, lastKey) <= 0) continue;
          lastKey = info.key;
          failures = 0;
          yield info;
        }
        return;
      } catch (err) {
        failures++;
        if (!this.shouldRetry(err, failures, options.signal)) throw err;
        await this.wait('list', prefix, failures, err as StorageError, options.signal);
      }
    }
  }

  private async run<T>(
    operation: StorageOperation,
    key: string,
    signal: AbortSignal,
    attempt: (attempt: number) => Promise<T>,
  ): Promise<T> {
    for (let n = 1; ; n++) {
      throwIfAborted(signal);
      try {
        return await attempt(n);
      } catch (err) {
        if (!this.shouldRetry(err, n, signal)) throw err;
        await this.wait(operation, key, n, err as StorageError, signal);
      }
    }
  }

  private shouldRetry(err: unknown, failures: number, signal: AbortSignal): boolean {
    return err instanceof StorageError && err.transient && failures < this.policy.maxAttempts && !signal.aborted;
  }

  private async wait(operation: StorageOperation, key: string, failures: number, err: StorageError, signal: AbortSignal) {
    const ms = retryDelayMs(failures, this.policy, this.random);
    this.progress.emit({
      type: 'wait',
      reason: 'retry',
      ms,
      message: `${operation} ${key}: attempt ${failures} of ${this.policy.maxAttempts} failed (${err.message}); retrying`,
    });
    await this.clock.sleep(ms, signal);
  }
}
