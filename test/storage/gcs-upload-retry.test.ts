/**
 * Resumable uploads recover from transient failures inside their session (issue 5: "storage
 * 503s → retried"): a chunk answered with 503 is followed by a status query and the rest is
 * sent again from the chunk held in memory, so even a single-pass put (a source read once, like
 * a snapshot archive) completes with the right bytes and hashes. Backoff runs on an injected
 * clock; nothing here sleeps for real.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StorageError, type StorageBackend } from '../../src/storage/backend.js';
import { Crc32c } from '../../src/storage/crc32c.js';
import { openStorage } from '../../src/storage/registry.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';
import { InstantClock, digestOf, digestOfSource, generated } from './harness.js';

const MIB = 1024 * 1024;
let fake: GcsFake;
let bucketCount = 0;

beforeAll(async () => {
  fake = await startGcsFake();
});
afterAll(async () => {
  await fake.close();
});

/** md5 and crc32c (base64, as GCS reports them) of a generated source. */
async function gcsHashesOf(seed: string, size: number): Promise<{ md5Hash: string; crc32c: string }> {
  const md5 = createHash('md5');
  const crc = new Crc32c();
  for await (const chunk of await generated(seed, size)()) {
    md5.update(chunk as Buffer);
    crc.update(chunk as Buffer);
  }
  return { md5Hash: md5.digest('base64'), crc32c: crc.base64() };
}

describe('gcs resumable upload retries (fake)', () => {
  let backend: StorageBackend;
  let bucket: string;
  let clock: InstantClock;
  const signal = new AbortController().signal;
  const stored = (key: string) => fake.store.live(fake.store.bucket(bucket), `t/${key}`);
  const chunkLog = () => fake.requests().filter((r) => r.bucket === bucket && r.route.startsWith('uploads.')).map((r) => `${r.contentRange ?? r.route} ${r.status}`);

  beforeEach(() => {
    bucket = `retry-${++bucketCount}`;
    fake.createBucket(bucket);
    fake.faults.clear();
    fake.clearRequests();
    clock = new InstantClock();
    backend = openStorage(`gs://${bucket}/t`, { gcsEndpoint: fake.endpoint, projectId: 'p', gcsChunkSize: MIB, gcsSimpleUploadMaxBytes: MIB, clock });
  });

  it('a single-pass put (source read once) survives a 503 on its second chunk', async () => {
    const size = 3 * MIB + 11;
    fake.faults.add({ route: 'uploads.chunk', withBody: true, after: 1, status: 503, times: 1 });
    let opens = 0;
    const source = generated('mid-stream', size);
    const info = await backend.put('archive.zip', () => (opens++, source()), { signal });
    expect(opens).toBe(1);
    expect(chunkLog()).toEqual([
      `bytes 0-${MIB - 1}/* 308`,
      `bytes ${MIB}-${2 * MIB - 1}/* 503`,
      'bytes */* 308', // status query: the session holds the first chunk
      `bytes ${MIB}-${2 * MIB - 1}/* 308`,
      `bytes ${2 * MIB}-${3 * MIB - 1}/* 308`,
      `bytes ${3 * MIB}-${size - 1}/${size} 200`,
    ]);
    expect(clock.sleeps).toEqual([1000]);
    expect(info.sha256).toBe((await digestOfSource(source)).sha256);
    expect(stored('archive.zip')).toMatchObject({ size, ...(await gcsHashesOf('mid-stream', size)) });
    expect(await backend.get('archive.zip', (s) => digestOf(s), { signal })).toEqual(await digestOfSource(source));
  });

  it('recovers the last chunk (total and hashes) after a 503, and after a 503 on the status query', async () => {
    const size = 2 * MIB + 5;
    fake.faults.add({ route: 'uploads.chunk', withBody: true, after: 2, status: 503, times: 1 });
    fake.faults.add({ route: 'uploads.chunk', withBody: false, nameContains: 'last', after: 3, status: 503, times: 1 });
    await backend.put('last', generated('last', size), { signal });
    expect(chunkLog()).toEqual([
      `bytes 0-${MIB - 1}/* 308`,
      `bytes ${MIB}-${2 * MIB - 1}/* 308`,
      `bytes ${2 * MIB}-${size - 1}/${size} 503`,
      `bytes */${size} 503`,
      `bytes */${size} 308`,
      `bytes ${2 * MIB}-${size - 1}/${size} 200`,
    ]);
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(stored('last')).toMatchObject({ size, ...(await gcsHashesOf('last', size)) });
  });

  it('a two-pass put recovers inside its session instead of starting a new one', async () => {
    const size = 2 * MIB + 1;
    fake.faults.add({ route: 'uploads.chunk', withBody: true, status: 503, times: 2 });
    await backend.put('two-pass', generated('two-pass', size), { signal, size });
    const log = fake.requests().filter((r) => r.bucket === bucket);
    expect(log.filter((r) => r.route === 'objects.insert')).toHaveLength(1);
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(stored('two-pass')).toMatchObject({ size, ...(await gcsHashesOf('two-pass', size)) });
  });

  it('gives up after 5 recoveries of one chunk with a transient error; nothing is stored and the session is cancelled', async () => {
    fake.faults.add({ route: 'uploads.chunk', status: 503 });
    const err = (await backend.put('never', generated('never', 2 * MIB), { signal }).catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/HTTP 503/);
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(stored('never')).toBeUndefined();
    expect(fake.activeUploads().filter((u) => u.bucket === bucket)).toEqual([]);
  });

  it('the budget is per chunk: two 503s on every chunk (8 in all) still complete', async () => {
    const size = 4 * MIB;
    // data PUTs in order: chunk 1 fails, fails, lands (2); chunk 2 fails, fails, lands (5); …
    for (const nth of [0, 1, 3, 4, 6, 7, 9, 10]) fake.faults.add({ route: 'uploads.chunk', withBody: true, after: nth, status: 503, times: 1 });
    await backend.put('every', generated('every', size), { signal });
    expect(clock.sleeps).toEqual([1000, 2000, 1000, 2000, 1000, 2000, 1000, 2000]);
    expect(stored('every')).toMatchObject({ size, ...(await gcsHashesOf('every', size)) });
  });

  it('a single-pass source small enough for one request is re-sent from memory after a 503 or a lost answer', async () => {
    fake.faults.add({ route: 'objects.insert', nameContains: 'small', status: 503, times: 1 });
    let opens = 0;
    const source = generated('small', 300_000);
    await backend.put('small', () => (opens++, source()), { signal });
    // the upload lands but its answer is lost: the retry meets "already exists" with this content
    fake.faults.add({ route: 'objects.insert', nameContains: 'lost', dropResponse: true, times: 1 });
    await backend.put('lost', () => (opens++, source()), { signal });
    expect(opens).toBe(2);
    expect(clock.sleeps).toEqual([1000, 1000]);
    expect(stored('small')).toMatchObject({ size: 300_000, ...(await gcsHashesOf('small', 300_000)) });
    expect(stored('lost')).toMatchObject({ size: 300_000 });
    // a different content under an existing key is still refused
    await expect(backend.put('lost', generated('other', 10), { signal })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
  });

  it('does not retry a permanent answer', async () => {
    fake.faults.add({ route: 'uploads.chunk', withBody: true, status: 400, times: 1 });
    await expect(backend.put('bad', generated('bad', 2 * MIB), { signal })).rejects.toMatchObject({ transient: false });
    expect(clock.sleeps).toEqual([]);
  });
});
