import { describe, expect, it } from 'vitest';
import { A0vaultError } from '../core/errors.js';
import { applyPolicy, checkPolicy, isoWeek, type PolicySnapshot, type RetentionPolicy } from './policy.js';

const snap = (time: string, group = 'a.example.com'): PolicySnapshot => ({ id: time, group, time: new Date(time) });

/** Kept ids (newest first) with their reasons, and removed ids. */
function run(times: string[], policy: RetentionPolicy, group?: string) {
  const r = applyPolicy(
    times.map((t) => snap(t, group)),
    policy,
  );
  return { keep: r.keep.map((k) => [k.snapshot.id, k.reasons.join(', ')]), remove: r.remove.map((s) => s.id) };
}

describe('isoWeek (UTC)', () => {
  it.each([
    ['2024-12-30T12:00:00Z', 2025, 1], // Monday of the week holding 2 January 2025 (a Thursday)
    ['2021-01-03T12:00:00Z', 2020, 53], // Sunday: still the last week of 2020
    ['2026-01-01T00:00:00Z', 2026, 1], // a Thursday is always in week 1
    ['2025-12-29T00:00:00Z', 2026, 1],
    ['2026-11-25T04:53:12Z', 2026, 48],
    ['2026-12-31T23:59:59Z', 2026, 53], // 2026 starts on a Thursday: 53 weeks
    ['2027-01-01T00:00:00Z', 2026, 53],
    ['2027-01-04T00:00:00Z', 2027, 1],
  ])('%s is week %i-W%i', (time, year, week) => {
    expect(isoWeek(new Date(time))).toEqual({ year, week });
  });

  it('changes exactly on Mondays (00:00 UTC) and numbers weeks 1..52/53 without gaps, 2000-2040', () => {
    let prev = isoWeek(new Date(Date.UTC(2000, 0, 3)));
    for (let day = Date.UTC(2000, 0, 4); day < Date.UTC(2040, 0, 1); day += 86_400_000) {
      const d = new Date(day);
      const w = isoWeek(d);
      if (d.getUTCDay() === 1) {
        const next = prev.week >= 52 && w.week === 1 ? { year: prev.year + 1, week: 1 } : { year: prev.year, week: prev.week + 1 };
        expect(w).toEqual(next);
      } else {
        expect(w).toEqual(prev);
      }
      expect(isoWeek(new Date(day + 86_399_999))).toEqual(w);
      prev = w;
    }
  });
});

describe('applyPolicy', () => {
  const five = ['2026-11-21T03:00:00Z', '2026-11-22T03:00:00Z', '2026-11-23T03:00:00Z', '2026-11-24T03:00:00Z', '2026-11-25T03:00:00Z'];

  it('--keep-last N keeps the N newest', () => {
    expect(run(five, { last: 3 })).toEqual({
      keep: [
        ['2026-11-25T03:00:00Z', 'last snapshot'],
        ['2026-11-24T03:00:00Z', 'last snapshot'],
        ['2026-11-23T03:00:00Z', 'last snapshot'],
      ],
      remove: ['2026-11-22T03:00:00Z', '2026-11-21T03:00:00Z'],
    });
  });

  it('sorts its input: order of the argument does not matter', () => {
    expect(run([...five].reverse(), { last: 2 })).toEqual(run(five, { last: 2 }));
  });

  it('--keep-daily keeps the newest snapshot of each of the N most recent days that have one (gaps do not count)', () => {
    const times = [
      '2026-11-25T09:00:00Z',
      '2026-11-25T21:00:00Z',
      '2026-11-24T12:00:00Z',
      '2026-11-20T01:00:00Z',
      '2026-11-20T23:00:00Z',
      '2026-11-10T05:00:00Z',
    ];
    expect(run(times, { daily: 3 })).toEqual({
      keep: [
        ['2026-11-25T21:00:00Z', 'daily snapshot'],
        ['2026-11-24T12:00:00Z', 'daily snapshot'],
        ['2026-11-20T23:00:00Z', 'daily snapshot'],
      ],
      remove: ['2026-11-25T09:00:00Z', '2026-11-20T01:00:00Z', '2026-11-10T05:00:00Z'],
    });
  });

  it('days are UTC days: 23:30Z and 00:30Z the next day are two days', () => {
    expect(run(['2026-11-24T23:30:00Z', '2026-11-25T00:30:00Z'], { daily: 2 }).keep).toHaveLength(2);
    expect(run(['2026-11-25T00:00:00Z', '2026-11-25T23:59:59Z'], { daily: 1 }).remove).toEqual(['2026-11-25T00:00:00Z']);
  });

  it('keeps the oldest snapshot as well when a duration rule has count left (restic >= 0.17)', () => {
    expect(run(['2026-11-25T09:00:00Z', '2026-11-25T10:00:00Z'], { daily: 3 })).toEqual({
      keep: [
        ['2026-11-25T10:00:00Z', 'daily snapshot'],
        ['2026-11-25T09:00:00Z', 'oldest daily snapshot'],
      ],
      remove: [],
    });
    // no count left: the oldest goes
    expect(run(['2026-11-24T09:00:00Z', '2026-11-25T09:00:00Z', '2026-11-25T10:00:00Z'], { daily: 2 }).remove).toEqual(['2026-11-25T09:00:00Z']);
    // keep-last never adds the oldest: it already keeps every snapshot while it has count
    expect(run(five, { last: 2 }).remove).toContain('2026-11-21T03:00:00Z');
  });

  it('--keep-weekly buckets by ISO week in UTC, across a year boundary', () => {
    const times = [
      '2026-12-27T10:00:00Z', // Sunday, 2026-W52
      '2026-12-28T10:00:00Z', // Monday, 2026-W53
      '2026-12-31T10:00:00Z', // Thursday, 2026-W53
      '2027-01-01T10:00:00Z', // Friday, still 2026-W53
      '2027-01-04T10:00:00Z', // Monday, 2027-W01
    ];
    expect(run(times, { weekly: 2 })).toEqual({
      keep: [
        ['2027-01-04T10:00:00Z', 'weekly snapshot'],
        ['2027-01-01T10:00:00Z', 'weekly snapshot'],
      ],
      remove: ['2026-12-31T10:00:00Z', '2026-12-28T10:00:00Z', '2026-12-27T10:00:00Z'],
    });
  });

  it('--keep-monthly and --keep-yearly use UTC months and years', () => {
    const times = ['2024-06-01T00:00:00Z', '2025-01-31T23:59:59Z', '2025-02-01T00:00:00Z', '2025-02-15T00:00:00Z', '2025-12-31T12:00:00Z', '2026-03-01T00:00:00Z'];
    expect(run(times, { monthly: 3 }).keep.map((k) => k[0])).toEqual(['2026-03-01T00:00:00Z', '2025-12-31T12:00:00Z', '2025-02-15T00:00:00Z']);
    expect(run(times, { yearly: 2 }).keep.map((k) => k[0])).toEqual(['2026-03-01T00:00:00Z', '2025-12-31T12:00:00Z']);
    expect(run(times, { yearly: 5 }).keep).toEqual([
      ['2026-03-01T00:00:00Z', 'yearly snapshot'],
      ['2025-12-31T12:00:00Z', 'yearly snapshot'],
      ['2024-06-01T00:00:00Z', 'yearly snapshot'],
    ]);
  });

  it('--keep-hourly buckets by UTC hour', () => {
    const times = ['2026-11-25T10:05:00Z', '2026-11-25T10:55:00Z', '2026-11-25T11:00:00Z'];
    expect(run(times, { hourly: 2 }).keep.map((k) => k[0])).toEqual(['2026-11-25T11:00:00Z', '2026-11-25T10:55:00Z']);
  });

  it('a snapshot kept by several rules lists every reason; rules are independent', () => {
    const times = [
      '2026-09-30T02:00:00Z',
      '2026-10-31T02:00:00Z',
      '2026-11-15T02:00:00Z',
      '2026-11-22T02:00:00Z', // Sunday, W47
      '2026-11-23T02:00:00Z', // Monday, W48
      '2026-11-24T02:00:00Z',
      '2026-11-25T02:00:00Z',
      '2026-11-25T14:00:00Z',
    ];
    expect(run(times, { last: 2, daily: 3, weekly: 2, monthly: 3 })).toEqual({
      keep: [
        ['2026-11-25T14:00:00Z', 'last snapshot, daily snapshot, weekly snapshot, monthly snapshot'],
        ['2026-11-25T02:00:00Z', 'last snapshot'],
        ['2026-11-24T02:00:00Z', 'daily snapshot'],
        ['2026-11-23T02:00:00Z', 'daily snapshot'],
        ['2026-11-22T02:00:00Z', 'weekly snapshot'],
        ['2026-10-31T02:00:00Z', 'monthly snapshot'],
        ['2026-09-30T02:00:00Z', 'monthly snapshot'],
      ],
      remove: ['2026-11-15T02:00:00Z'],
    });
  });

  it('"unlimited" (Infinity) keeps one per bucket for every bucket', () => {
    const times = ['2026-11-25T01:00:00Z', '2026-11-25T02:00:00Z', '2026-11-24T01:00:00Z', '2026-11-23T01:00:00Z'];
    expect(run(times, { daily: Infinity }).remove).toEqual(['2026-11-25T01:00:00Z']);
  });

  it('applies the rules to each tenant separately', () => {
    const r = applyPolicy(
      [snap('2026-11-25T01:00:00Z', 'b.example.com'), snap('2026-11-24T01:00:00Z', 'b.example.com'), snap('2026-11-20T01:00:00Z', 'a.example.com'), snap('2026-11-19T01:00:00Z', 'a.example.com')],
      { last: 1 },
    );
    expect(r.keep.map((k) => `${k.snapshot.group} ${k.snapshot.id}`)).toEqual(['a.example.com 2026-11-20T01:00:00Z', 'b.example.com 2026-11-25T01:00:00Z']);
    expect(r.remove.map((s) => `${s.group} ${s.id}`)).toEqual(['a.example.com 2026-11-19T01:00:00Z', 'b.example.com 2026-11-24T01:00:00Z']);
  });

  it('breaks ties of equal times by id, the greater id counting as newer', () => {
    const a = { id: '20261125T000000Z-aaaaaa', group: 'g', time: new Date('2026-11-25T00:00:00Z') };
    const b = { id: '20261125T000000Z-bbbbbb', group: 'g', time: new Date('2026-11-25T00:00:00Z') };
    expect(applyPolicy([a, b], { last: 1 }).keep[0]?.snapshot).toBe(b);
    expect(applyPolicy([b, a], { last: 1 }).keep[0]?.snapshot).toBe(b);
  });

  it('handles no snapshots', () => {
    expect(applyPolicy([], { last: 1 })).toEqual({ keep: [], remove: [] });
  });

  it('never removes the newest snapshot of a group, and partitions the input, for any policy (seeded random cases)', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const rules = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
    for (let i = 0; i < 300; i++) {
      const policy: RetentionPolicy = {};
      for (const r of rules) if (rand(3) === 0) policy[r] = rand(4);
      policy[rules[rand(6)] ?? 'last'] = 1 + rand(3);
      const items = Array.from({ length: 1 + rand(30) }, (_, k) => ({
        id: `s${k}`,
        group: `g${rand(3)}`,
        time: new Date(Date.UTC(2026, 0, 1) + rand(800) * 3_600_000 * 13),
      }));
      const r = applyPolicy(items, policy);
      expect(r.keep.length + r.remove.length).toBe(items.length);
      expect(new Set([...r.keep.map((k) => k.snapshot.id), ...r.remove.map((s) => s.id)]).size).toBe(items.length);
      for (const g of new Set(items.map((s) => s.group))) {
        const newest = items.filter((s) => s.group === g).sort((x, y) => y.time.getTime() - x.time.getTime() || (x.id < y.id ? 1 : -1))[0];
        expect(r.keep.map((k) => k.snapshot)).toContain(newest);
      }
      for (const k of r.keep) expect(k.reasons.length).toBeGreaterThan(0);
    }
  });
});

describe('checkPolicy', () => {
  it('refuses an empty policy (every count 0) as a usage error', () => {
    for (const p of [{}, { last: 0, daily: 0 }]) {
      expect(() => checkPolicy(p)).toThrow(A0vaultError);
      expect(() => applyPolicy([snap('2026-11-25T00:00:00Z')], p)).toThrow(/no retention policy/);
    }
  });

  it('refuses negative, fractional and NaN counts', () => {
    for (const n of [-1, 1.5, NaN]) expect(() => checkPolicy({ daily: n })).toThrow(/--keep-daily must be/);
    expect(() => checkPolicy({ last: 1, daily: Infinity })).not.toThrow();
  });
});
