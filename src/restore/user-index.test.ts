import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TargetRows, U64Index } from './user-index.js';

const key = (s: string) => createHash('sha256').update(s).digest();

describe('U64Index', () => {
  it('maps keys to values across many growths, keeps the first value of a key', () => {
    const index = new U64Index();
    const n = 20_000;
    for (let i = 0; i < n; i++) expect(index.add(key(`k${i}`), i)).toBe(i);
    expect(index.add(key('k7'), 99)).toBe(7);
    for (let i = 0; i < n; i++) expect(index.get(key(`k${i}`))).toBe(i);
    expect(index.get(key('absent'))).toBe(-1);
  });

  it('tells keys apart that share their low 32 bits', () => {
    const index = new U64Index();
    const a = Buffer.alloc(8);
    const b = Buffer.alloc(8);
    a.writeUInt32LE(1, 0);
    b.writeUInt32LE(2, 0);
    index.add(a, 1);
    index.add(b, 2);
    expect([index.get(a), index.get(b)]).toEqual([1, 2]);
  });
});

describe('TargetRows', () => {
  it('keeps fingerprints, field hashes and flags through growth', () => {
    const rows = new TargetRows(3);
    for (let i = 0; i < 3000; i++) {
      const fp = Buffer.alloc(8);
      fp.writeUInt32LE(i, 0);
      fp.writeUInt32LE(i * 7, 4);
      expect(rows.push(fp, [i & 0xffff, 1, 2])).toBe(i);
      if (i % 2 === 0) rows.seen[i] = 1;
    }
    expect(rows.count).toBe(3000);
    expect([rows.fp[2 * 2999], rows.fp[2 * 2999 + 1], rows.fields[3 * 2999], rows.seen[2998], rows.seen[2999]]).toEqual([2999, 2999 * 7, 2999, 1, 0]);
  });
});
