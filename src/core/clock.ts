/** A manual clock for tests: time moves only when `advance` is called. */
import { CancelledError } from './errors.js';
import type { Clock } from './abort.js';

interface Sleeper {
  until: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('Operation cancelled', { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { until: this.current + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(new CancelledError('Operation cancelled', { cause: signal.reason }));
        },
        { once: true },
      );
    });
  }

  /** Number of pending sleeps (useful to wait until code under test is blocked). */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward and wakes every sleeper whose deadline has passed, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      this.sleepers.sort((a, b) => a.until - b.until);
      const next = this.sleepers[0];
      if (!next || next.until > target) break;
      this.sleepers.shift();
      this.current = Math.max(this.current, next.until);
      next.resolve();
      // let the woken code run before waking the next sleeper
      await new Promise<void>((r) => setImmediate(r));
    }
    this.current = target;
  }
}
