import { describe, expect, it } from 'vitest';
import { StorageError } from './backend.js';
import { checkKey, checkPrefix, checkRange, compareKeys } from './keys.js';

describe('keys', () => {
  it.each(['a', 'a/b/c.tar', 'snapshots/2026-01-01T00:00:00Z/manifest.json', 'é/😀', '.hidden', 'a..b'])('accepts %j', (key) => {
    expect(() => checkKey(key, 'put', 'mem://t')).not.toThrow();
  });

  it.each(['', '/a', 'a/', 'a//b', '.', 'a/./b', '../a', 'a\\b', 'a\nb', 'x/.a0vault-meta-y', 'k'.repeat(1025)])('rejects %j', (key) => {
    expect(() => checkKey(key, 'put', 'mem://t')).toThrow(StorageError);
  });

  it('accepts prefixes that end in / or mid-segment, and the empty prefix', () => {
    for (const prefix of ['', 'a/', 'a/b', 'snap']) expect(() => checkPrefix(prefix, 'mem://t')).not.toThrow();
    expect(() => checkPrefix('../', 'mem://t')).toThrow(StorageError);
  });

  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    const keys = ['\u{1F600}', '\uFFFD', 'a/b', 'a-b', 'A'];
    expect([...keys].sort(compareKeys)).toEqual(['A', 'a-b', 'a/b', '\uFFFD', '\u{1F600}']);
    expect([...keys].sort()).not.toEqual([...keys].sort(compareKeys));
  });

  it('checks byte ranges', () => {
    expect(() => checkRange({ start: 0 }, 'get', 'l', 'k')).not.toThrow();
    expect(() => checkRange({ start: 5, end: 5 }, 'get', 'l', 'k')).not.toThrow();
    expect(() => checkRange({ start: 5, end: 4 }, 'get', 'l', 'k')).toThrow(StorageError);
    expect(() => checkRange({ start: -1 }, 'get', 'l', 'k')).toThrow(StorageError);
    expect(() => checkRange({ start: 0.5 }, 'get', 'l', 'k')).toThrow(StorageError);
  });
});
