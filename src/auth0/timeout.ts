/**
 * A deadline on the injected Clock: `signal` aborts when `ms` pass (reason: TimeoutMarker) or
 * when the parent aborts. Call `clear()` when the guarded work ends so no sleeper is left.
 */
import { anySignal, type Clock } from '../core/abort.js';

export class TimeoutMarker extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutMarker';
  }
}

export interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  clear(): void;
}

export function deadline(clock: Clock, ms: number, parent: AbortSignal): Deadline {
  const timeout = new AbortController();
  const timer = new AbortController();
  void clock.sleep(ms, timer.signal).then(
    () => timeout.abort(new TimeoutMarker(ms)),
    () => undefined,
  );
  return {
    signal: anySignal([parent, timeout.signal]),
    timedOut: () => timeout.signal.aborted,
    clear: () => timer.abort(),
  };
}
