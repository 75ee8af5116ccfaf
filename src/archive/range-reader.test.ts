import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CancelledError, IntegrityError } from '../core/errors.js';
import { MemoryBackend } from '../storage/memory.js';
import type { GetOptions } from '../storage/backend.js';
import { ArchiveReader } from './reader.js';
import { createArchiveWriter } from './writer.js';

const signal = new AbortController().signal;

async function archiveWithBigEntry(storage: MemoryBackend, data: Buffer): Promise<void> {
  const writer = createArchiveWriter({ storage, key: 'a.a0v.zip', signal });
  await writer.addEntry('users/users.ndjson.gz', Readable.from([data]));
  await writer.addEntry('idmap.json', '{}');
  await writer.finish();
}

/** A backend whose ranged gets fail half-way once per call, then run `consume` again (a retry). */
function flakyBackend(): MemoryBackend {
  const backend = new MemoryBackend();
  const get = backend.get.bind(backend);
  backend.get = async <T>(key: string, consume: (s: Readable) => Promise<T>, options: GetOptions): Promise<T> => {
    if (!options.range) return get(key, consume, options);
    const full = await get(key, async (s) => Buffer.concat(await s.toArray()), options);
    const broken = new Readable({ read() {} });
    broken.push(full.subarray(0, Math.floor(full.length / 2)));
    process.nextTick(() => broken.destroy(new Error('ECONNRESET')));
    await consume(broken).catch(() => undefined);
    return consume(Readable.from([full.subarray(0, 1000), full.subarray(1000)]));
  };
  return backend;
}

describe('StorageRangeReader through ArchiveReader', () => {
  it('delivers each byte once when a get is retried after a partial read', async () => {
    const data = randomBytes(700 * 1024);
    const storage = flakyBackend();
    await archiveWithBigEntry(storage, data);
    const reader = await ArchiveReader.open({ storage, key: 'a.a0v.zip', signal });
    const read = await reader.readEntry('users/users.ndjson.gz', { maxBytes: 1 << 20 });
    reader.close();
    expect(read.equals(data)).toBe(true);
  });

  it('reports a zip that points outside the object as an integrity problem, not a storage error', async () => {
    const storage = new MemoryBackend();
    await archiveWithBigEntry(storage, randomBytes(1024));
    const bytes = await storage.get('a.a0v.zip', async (s) => Buffer.concat(await s.toArray()), { signal });
    // central directory offset (EOCD +16) pointed past the end
    bytes.writeUInt32LE(bytes.length + 10, bytes.length - 22 + 16);
    await storage.put('b.a0v.zip', () => Readable.from([bytes]), { signal });
    const err = await ArchiveReader.open({ storage, key: 'b.a0v.zip', signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).details.entry).toBe('archive');
  });

  it('passes cancellation through as CancelledError', async () => {
    const storage = new MemoryBackend();
    await archiveWithBigEntry(storage, randomBytes(600 * 1024));
    const controller = new AbortController();
    const reader = await ArchiveReader.open({ storage, key: 'a.a0v.zip', signal: controller.signal });
    const stream = await reader.openEntry('users/users.ndjson.gz');
    const reading = (async () => {
      for await (const _chunk of stream) controller.abort();
    })();
    await expect(reading).rejects.toBeInstanceOf(CancelledError);
    reader.close();
  });

  it('names a missing entry', async () => {
    const storage = new MemoryBackend();
    await archiveWithBigEntry(storage, randomBytes(10));
    const reader = await ArchiveReader.open({ storage, key: 'a.a0v.zip', signal });
    await expect(reader.openEntry('coverage.json')).rejects.toThrow(/entry coverage.json: is not in the archive/);
    reader.close();
    await expect(ArchiveReader.open({ storage, key: 'nope.a0v.zip', signal })).rejects.toMatchObject({ code: 'not-found' });
  });
});
