import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { A0vaultError, CancelledError } from '../core/errors.js';
import { silentProgress } from '../core/progress.js';
import { runFleet, summarize } from './runner.js';

const tenants = ['a.x', 'b.x', 'c.x', 'd.x', 'e.x'].map((domain) => ({ domain }));

describe('runFleet', () => {
  it('runs every tenant once, in order, and goes on after a failure', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    const results = await runFleet(
      tenants,
      async (t) => {
        calls.push(t.domain);
        await clock.advance(1000);
        if (t.domain === 'b.x') throw new A0vaultError('api', 'boom', { cause: new Error('socket hang up') });
        if (t.domain === 'd.x') throw new TypeError('unexpected');
        return t.domain.toUpperCase();
      },
      { clock, signal: new AbortController().signal, progress: silentProgress },
    );
    expect(calls).toEqual(tenants.map((t) => t.domain));
    expect(results.map((r) => [r.domain, r.outcome, r.value, r.error?.code])).toEqual([
      ['a.x', 'success', 'A.X', undefined],
      ['b.x', 'failed', undefined, 'api'],
      ['c.x', 'success', 'C.X', undefined],
      ['d.x', 'failed', undefined, 'internal'],
      ['e.x', 'success', 'E.X', undefined],
    ]);
    expect(results[1]?.error?.message).toBe('boom: socket hang up');
    expect(results.map((r) => r.finishedAt - r.startedAt)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(summarize(results)).toEqual({ success: 3, failed: 2, cancelled: 0 });
  });

  it('keeps at most `parallel` tenants running', async () => {
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const pending = runFleet(
      tenants,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      },
      { parallel: 2, clock: new ManualClock(), signal: new AbortController().signal, progress: silentProgress },
    );
    // release one tenant at a time; each release lets exactly one more start
    for (let released = 0; released < tenants.length; released++) {
      await new Promise((r) => setImmediate(r));
      expect(running).toBe(Math.min(2, tenants.length - released));
      gates.shift()?.();
    }
    const results = await pending;
    expect(peak).toBe(2);
    expect(results.every((r) => r.outcome === 'success')).toBe(true);
  });

  it('starts nothing after cancellation; the running tenant ends cancelled', async () => {
    const ctl = new AbortController();
    const started: string[] = [];
    const results = await runFleet(
      tenants,
      async (t, signal) => {
        started.push(t.domain);
        if (t.domain === 'b.x') {
          ctl.abort(new CancelledError('SIGTERM'));
          if (signal.aborted) throw new CancelledError('Operation cancelled');
        }
      },
      { clock: new ManualClock(), signal: ctl.signal, progress: silentProgress },
    );
    expect(started).toEqual(['a.x', 'b.x']);
    expect(results.map((r) => r.outcome)).toEqual(['success', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });
});
