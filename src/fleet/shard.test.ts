import { describe, expect, it } from 'vitest';
import { parseShard, selectShard } from './shard.js';

const tenants = (n: number) => Array.from({ length: n }, (_, i) => ({ domain: `tenant-${String(i).padStart(2, '0')}.eu.auth0.com` }));

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('parseShard', () => {
  it('reads 0-based <index>/<count>', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard(' 3 / 4 ')).toEqual({ index: 3, count: 4 });
  });
  it.each(['4/4', '-1/4', '1/0', 'a/b', '1', '1/2/3', '1.5/4'])('rejects %s as usage', (text) => {
    expect(() => parseShard(text)).toThrow(expect.objectContaining({ code: 'usage' }));
  });
});

describe('selectShard', () => {
  it('puts every tenant in exactly one shard, balanced', () => {
    for (const [size, count] of [[20, 4], [21, 4], [3, 5], [1, 1], [97, 7]] as const) {
      const all = tenants(size);
      const seen = new Map<string, number>();
      const sizes: number[] = [];
      for (let index = 0; index < count; index++) {
        const part = selectShard(all, { index, count });
        sizes.push(part.length);
        for (const t of part) seen.set(t.domain, (seen.get(t.domain) ?? 0) + 1);
      }
      expect([...seen.values()].every((v) => v === 1)).toBe(true);
      expect(seen.size).toBe(size);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('does not move a tenant when the list is reordered', () => {
    const all = tenants(30);
    for (let index = 0; index < 4; index++) {
      const a = selectShard(all, { index, count: 4 }).map((t) => t.domain);
      const b = selectShard(shuffled(all, index + 1), { index, count: 4 }).map((t) => t.domain);
      expect(b).toEqual(a);
    }
  });

  it('compares domains case-insensitively and rejects duplicates', () => {
    expect(() => selectShard([{ domain: 'A.example.com' }, { domain: 'a.example.com' }], { index: 0, count: 1 })).toThrow(/listed twice/);
  });

  it('leaves shards empty only when there are more shards than tenants', () => {
    expect([0, 1, 2, 3, 4].map((index) => selectShard(tenants(3), { index, count: 5 }).length)).toEqual([1, 1, 1, 0, 0]);
  });
});
