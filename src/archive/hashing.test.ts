import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HashingStream, RecordCounter } from './hashing.js';

function splitRandomly(data: Buffer, seed: number): Buffer[] {
  const parts: Buffer[] = [];
  let s = seed;
  for (let i = 0; i < data.length; ) {
    s = (s * 48271) % 2147483647;
    const n = 1 + (s % 7);
    parts.push(data.subarray(i, i + n));
    i += n;
  }
  return parts;
}

async function hashOf(parts: Buffer[], options?: ConstructorParameters<typeof HashingStream>[0]) {
  const hasher = new HashingStream(options);
  await pipeline(Readable.from(parts), hasher, new Writable({ write: (_c, _e, cb) => cb() }));
  return hasher.result();
}

describe('RecordCounter', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['{}', 1],
    ['{}\n', 1],
    ['{}\n{}', 2],
    ['{}\n\n\n{}\n', 2],
    ['{}\r\n{}\r\n\r\n', 2],
    ['\r\n\n', 0],
    ['\r{}\n', 1],
    [' \n', 1], // whitespace is a (bad) record; the reader rejects it
  ];
  it.each(cases)('counts %j as %i records, however the bytes are chunked', (text, expected) => {
    for (let seed = 1; seed < 20; seed++) {
      const counter = new RecordCounter();
      for (const part of splitRandomly(Buffer.from(text), seed)) counter.push(part);
      expect(counter.finish()).toBe(expected);
    }
  });
});

describe('HashingStream', () => {
  const text = Buffer.from(Array.from({ length: 500 }, (_, i) => JSON.stringify({ i, s: 'x'.repeat(i % 13) })).join('\n') + '\n');

  it('passes bytes through and reports sha256 and size', async () => {
    const r = await hashOf(splitRandomly(text, 3));
    expect(r).toEqual({ sha256: createHash('sha256').update(text).digest('hex'), size: text.length });
  });

  it('counts plain and gzip NDJSON records while hashing the bytes as they are', async () => {
    expect((await hashOf(splitRandomly(text, 5), { countRecords: 'plain' })).records).toBe(500);
    const gz = gzipSync(text);
    const r = await hashOf(splitRandomly(gz, 7), { countRecords: 'gzip' });
    expect(r.records).toBe(500);
    expect(r.sha256).toBe(createHash('sha256').update(gz).digest('hex'));
  });

  it('fails on bytes that are not gzip when counting gzip records', async () => {
    await expect(hashOf([text], { countRecords: 'gzip' })).rejects.toThrow();
    const gz = gzipSync(text);
    await expect(hashOf([gz.subarray(0, gz.length - 10)], { countRecords: 'gzip' })).rejects.toThrow();
  });

  it('has no result before the stream ends', () => {
    expect(() => new HashingStream().result()).toThrow(/before the stream ended/);
  });
});
