import { describe, expect, it } from 'vitest';
import { ImportPollSchedule } from './import-poll.js';

const tuning = { startMs: 1000, maxMs: 10_000, minMs: 100 };

describe('ImportPollSchedule', () => {
  it('backs off from startMs ×1.5 up to maxMs while nothing has been learnt', () => {
    const s = new ImportPollSchedule(tuning);
    expect(s.expectedMs(1000)).toBeUndefined();
    const delays = [s.first(1000)];
    for (let i = 0; i < 7; i++) delays.push(s.next(1000, delays.reduce((a, b) => a + b, 0), delays.at(-1)!));
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5063, 7595, 10_000, 10_000]);
  });

  it('after a job finished, polls a job of the same rate first a little before it should end, then in twentieths', () => {
    const s = new ImportPollSchedule(tuning);
    s.observe(1000, 2000);
    expect(s.expectedMs(1000)).toBe(2000);
    expect(s.first(1000)).toBe(1700);
    expect(s.first(500)).toBe(850);
    expect(s.next(1000, 1700, 1700)).toBe(100);
    expect(s.next(2000, 3400, 3400)).toBe(200);
    // past 1.5 × the expected time: back to backing off from the last delay
    expect(s.next(1000, 3100, 100)).toBe(150);
  });

  it('weighs the newest job by half, ignores empty observations, clamps to [minMs, maxMs]', () => {
    const s = new ImportPollSchedule(tuning);
    s.observe(1000, 4000);
    s.observe(1000, 2000);
    s.observe(0, 50);
    s.observe(1000, 0);
    expect(s.expectedMs(1000)).toBe(3000);
    expect(s.first(10)).toBe(100);
    expect(s.first(1_000_000)).toBe(10_000);
  });

  it('takes the time of a job already done at its first poll as the new estimate (it may have ended long before)', () => {
    const s = new ImportPollSchedule(tuning);
    s.observe(1000, 4000);
    s.observe(1000, 3400, true);
    expect(s.expectedMs(1000)).toBe(3400);
    s.observe(1000, 2000);
    expect(s.expectedMs(1000)).toBe(2700);
  });

  it('sleeps for the time Auth0 says is left, within the bounds', () => {
    const s = new ImportPollSchedule(tuning);
    s.observe(1000, 2000);
    expect(s.next(1000, 1700, 1700, 4)).toBe(4000);
    expect(s.next(1000, 1700, 1700, 60)).toBe(10_000);
    expect(s.next(1000, 1700, 1700, 0)).toBe(100);
  });
});
