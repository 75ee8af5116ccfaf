/**
 * The GCS backend against the in-repo fake, through the real @google-cloud/storage client:
 * the conformance suite, then what only GCS has (resumable chunks, lost responses, at-rest
 * corruption, session cancellation, redaction of session URIs).
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CorruptObjectError, StorageError, type StorageBackend } from '../../src/storage/backend.js';
import { openStorage } from '../../src/storage/registry.js';
import { PUT_ID_METADATA_KEY, RetryingBackend } from '../../src/storage/retrying.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';
import { runConformanceSuite } from './conformance.js';
import { InstantClock, bytes, digestOf, digestOfSource, generated, generatedStream } from './harness.js';

const MIB = 1024 * 1024;
let fake: GcsFake;
let bucketCount = 0;

beforeAll(async () => {
  fake = await startGcsFake();
});
afterAll(async () => {
  await fake.close();
});

/** A fresh bucket and a backend on it, with small chunks so tests cross chunk boundaries. */
function openFresh(): { backend: StorageBackend; bucket: string } {
  const bucket = `bucket-${++bucketCount}`;
  fake.createBucket(bucket);
  fake.faults.clear();
  const backend = openStorage(`gs://${bucket}/backups/tenant-a`, {
    gcsEndpoint: fake.endpoint,
    projectId: 'test-project',
    gcsChunkSize: MIB,
    gcsSimpleUploadMaxBytes: MIB,
  });
  return { backend, bucket };
}

runConformanceSuite('gcs (fake)', async () => {
  const { backend, bucket } = openFresh();
  const objectName = (key: string) => `backups/tenant-a/${key}`;
  const routeFor = { put: 'objects.insert', get: 'objects.media', list: 'objects.list' } as const;
  return {
    backend,
    sourceReads: 2,
    // in transit: the fake flips a byte of the next download of this object
    corrupt: async (key) => void fake.faults.add({ route: 'objects.media', nameContains: objectName(key), corruptDownload: true, times: 1 }),
    injectTransient: async (operation, times) => void fake.faults.add({ route: routeFor[operation], status: 503, times }),
    injectPermanent: async (key) => void fake.faults.add({ route: 'objects.insert', nameContains: objectName(key), status: 403, times: 1 }),
    leftovers: async () => fake.activeUploads().filter((u) => u.bucket === bucket).map((u) => `${u.name} (${u.persisted} bytes)`),
    permanentMessage: /access denied \(HTTP 403\)/,
    close: async () => fake.faults.clear(),
  };
});

describe('gcs backend specifics (fake)', () => {
  let backend: StorageBackend;
  let bucket: string;
  const signal = new AbortController().signal;

  beforeEach(() => {
    ({ backend, bucket } = openFresh());
    fake.clearRequests();
  });

  it('uploads large objects in resumable chunks (308 until the last) and small ones in one request', async () => {
    // a known size selects the two-pass put: hashes first, then GCS checks them up front
    await backend.put('small', bytes('tiny'), { signal, size: 4 });
    await backend.put('large', generated('large', 3 * MIB + 5), { signal, size: 3 * MIB + 5 });
    const log = fake.requests().filter((r) => r.bucket === bucket);
    expect(log.map((r) => `${r.route} ${r.uploadType ?? ''} ${r.contentRange ?? ''} ${r.status}`)).toEqual([
      'objects.insert multipart  200',
      'objects.insert resumable  200',
      `uploads.chunk resumable bytes 0-${MIB - 1}/${3 * MIB + 5} 308`,
      `uploads.chunk resumable bytes ${MIB}-${2 * MIB - 1}/${3 * MIB + 5} 308`,
      `uploads.chunk resumable bytes ${2 * MIB}-${3 * MIB - 1}/${3 * MIB + 5} 308`,
      `uploads.chunk resumable bytes ${3 * MIB}-${3 * MIB + 4}/${3 * MIB + 5} 200`,
    ]);
  });

  it('streams a source of unknown size in one pass: chunks with an open total, hashes on the last', async () => {
    let opens = 0;
    const source = () => {
      opens++;
      return generatedStream('single', 2 * MIB + 7);
    };
    const info = await backend.put('single', source, { signal });
    expect(opens).toBe(1);
    const log = fake.requests().filter((r) => r.bucket === bucket);
    expect(log.map((r) => `${r.route} ${r.contentRange ?? ''} ${r.status}`)).toEqual([
      'objects.insert  200',
      `uploads.chunk bytes 0-${MIB - 1}/* 308`,
      `uploads.chunk bytes ${MIB}-${2 * MIB - 1}/* 308`,
      `uploads.chunk bytes ${2 * MIB}-${2 * MIB + 6}/${2 * MIB + 7} 200`,
    ]);
    expect(info.sha256).toBe((await digestOfSource(generated('single', 2 * MIB + 7))).sha256);
    expect(await backend.get('single', (s) => digestOf(s), { signal })).toEqual(await digestOfSource(generated('single', 2 * MIB + 7)));
  });

  it('sends a small source of unknown size in one request after reading it once', async () => {
    let opens = 0;
    await backend.put('one-shot', () => (opens++, Readable.from([Buffer.from('hello')])), { signal });
    expect(opens).toBe(1);
    expect(fake.requests().filter((r) => r.bucket === bucket).map((r) => r.route)).toEqual(['objects.insert']);
  });

  it('resumes its session after the connection drops mid-chunk, without starting over', async () => {
    fake.faults.add({ route: 'uploads.chunk', dropAfterBytes: 300_000, times: 1 });
    const source = generated('dropped', 2 * MIB + 1);
    const info = await backend.put('dropped', source, { signal, size: 2 * MIB + 1 });
    expect(info.sha256).toBe((await digestOfSource(source)).sha256);
    const total = 2 * MIB + 1;
    const log = fake.requests().filter((r) => r.bucket === bucket);
    expect(log.map((r) => `${r.route} ${r.contentRange ?? ''} ${r.status}`)).toEqual([
      'objects.insert  200',
      `uploads.chunk bytes 0-${MIB - 1}/${total} 0`, // dropped after 300,000 bytes
      `uploads.chunk bytes */${total} 308`, // the fake kept one whole 256 KiB unit
      `uploads.chunk bytes ${256 * 1024}-${MIB - 1}/${total} 308`,
      `uploads.chunk bytes ${MIB}-${2 * MIB - 1}/${total} 308`,
      `uploads.chunk bytes ${2 * MIB}-${2 * MIB}/${total} 200`,
    ]);
    expect(await backend.get('dropped', (s) => digestOf(s), { signal })).toEqual(await digestOfSource(source));
  });

  it('starts over (through RetryingBackend) when a resumable session cannot be resumed', async () => {
    const clock = new InstantClock();
    // the backend recovers a chunk in its session 5 times (gcs-upload-retry.test.ts); a sixth
    // 503 in a row (chunk, then status queries) gives up, and the decorator starts over
    const inner = openStorage(`gs://${bucket}/backups/tenant-a`, { gcsEndpoint: fake.endpoint, projectId: 'test-project', gcsChunkSize: MIB, gcsSimpleUploadMaxBytes: MIB, clock });
    const retrying = new RetryingBackend(inner, { clock });
    fake.faults.add({ route: 'uploads.chunk', status: 503, times: 6 });
    const source = generated('restart', 2 * MIB);
    await retrying.put('restart', source, { signal });
    expect(clock.sleeps).toHaveLength(6);
    const log = fake.requests().filter((r) => r.bucket === bucket);
    expect(log.filter((r) => r.route === 'objects.insert')).toHaveLength(2);
    expect(log.filter((r) => r.route === 'uploads.cancel')).toHaveLength(1);
    expect(await backend.get('restart', (s) => digestOf(s), { signal })).toEqual(await digestOfSource(source));
  });

  it('treats "already exists" after a lost answer as success when the object carries this put\'s id', async () => {
    const clock = new InstantClock();
    const retrying = new RetryingBackend(backend, { clock });
    // the upload is committed, then the connection is closed without an answer
    fake.faults.add({ route: 'objects.insert', dropResponse: true, times: 1 });
    // a known size makes it a two-pass put, which the backend leaves to the decorator to retry
    // (a single-pass one re-sends from memory itself: gcs-upload-retry.test.ts)
    const info = await retrying.put('lost-answer', bytes('content'), { signal, size: 7 });
    expect(info.metadata[PUT_ID_METADATA_KEY]).toMatch(/^[0-9a-f-]{36}$/);
    expect(clock.sleeps).toHaveLength(1);
    // a different put to the same key still fails: the id is per put
    await expect(retrying.put('lost-answer', bytes('other'), { signal })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
  });

  it('detects corruption at rest (a stored byte flipped, hashes unchanged)', async () => {
    await backend.put('at-rest', generated('at-rest', 100_000), { signal });
    await fake.corruptStored(bucket, 'backups/tenant-a/at-rest', 50_000);
    await expect(backend.get('at-rest', (s) => digestOf(s), { signal })).rejects.toBeInstanceOf(CorruptObjectError);
  });

  it('stops a resumable upload before its last chunk when the source changes between reads', async () => {
    let opens = 0;
    const source = () => generatedStream(opens++ === 0 ? 'first read' : 'second read', 3 * MIB);
    await expect(backend.put('unstable', source, { signal, size: 3 * MIB })).rejects.toBeInstanceOf(CorruptObjectError);
    expect(await backend.stat('unstable', { signal })).toBeUndefined();
    expect(fake.requests().some((r) => r.route === 'uploads.chunk' && r.status === 200)).toBe(false);
    expect(fake.activeUploads().filter((u) => u.bucket === bucket)).toEqual([]);
  });

  it('cancels the session of an aborted resumable upload', async () => {
    const controller = new AbortController();
    // abort once the fake has taken the first chunk; the source stalls before its end, so the
    // last chunk can never have been sent
    const unsubscribe = fake.onRequest((entry) => {
      if (entry.bucket === bucket && entry.route === 'uploads.chunk' && entry.status === 308 && entry.contentRange !== 'bytes */*') {
        controller.abort();
      }
    });
    let opens = 0;
    const source = () =>
      opens++ === 0
        ? generatedStream('abort', 8 * MIB)
        : generatedStream('abort', 8 * MIB, MIB, { bytes: 6 * MIB, onStall: () => undefined });
    try {
      await expect(backend.put('aborted', source, { signal: controller.signal })).rejects.toMatchObject({ name: 'CancelledError' });
    } finally {
      unsubscribe();
    }
    const log = fake.requests().filter((r) => r.bucket === bucket);
    expect(log.some((r) => r.route === 'uploads.chunk' && r.status === 308 && r.contentRange?.startsWith('bytes 0-'))).toBe(true);
    expect(log.filter((r) => r.route === 'uploads.cancel').map((r) => r.status)).toEqual([499]);
    expect(log.some((r) => r.route === 'uploads.chunk' && r.status === 200)).toBe(false);
    expect(fake.activeUploads().filter((u) => u.bucket === bucket)).toEqual([]);
    expect(await backend.stat('aborted', { signal })).toBeUndefined();
  });

  it('never shows the resumable session id (a bearer credential) in errors', async () => {
    fake.faults.add({ route: 'uploads.chunk', status: 400 });
    const err = (await backend.put('secret-session', generated('s', 2 * MIB), { signal }).catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    const text = `${err.message} ${(err.cause as Error | undefined)?.message ?? ''} ${JSON.stringify(err)}`;
    expect(text).not.toMatch(/upload_id=[0-9a-f]/);
  });

  it('streams a stored object whose reader stops early without leaking the request', async () => {
    await backend.put('early', generated('early', 2 * MIB), { signal });
    const first = await backend.get(
      'early',
      async (stream) => {
        for await (const chunk of stream as AsyncIterable<Buffer>) return chunk.length;
        return 0;
      },
      { signal },
    );
    expect(first).toBeGreaterThan(0);
  });

  it('stores sha256 and custom metadata in the object resource', async () => {
    const source = () => Readable.from([Buffer.from('meta')]);
    await backend.put('meta', source, { signal, metadata: { tenant: 'a' }, contentType: 'application/x-tar' });
    const resource = fake.store.live(fake.store.bucket(bucket), 'backups/tenant-a/meta');
    expect(resource).toMatchObject({ contentType: 'application/x-tar', metadata: { tenant: 'a', sha256: (await digestOfSource(source)).sha256 } });
  });
});
