import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { A0vaultError, CancelledError } from '../../src/core/errors.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import { PreconditionFailedError, type ObjectInfo, type PutOptions, type ReopenableSource } from '../../src/storage/backend.js';
import { ArchiveReader, createArchiveWriter } from '../../src/archive/index.js';

const signal = new AbortController().signal;
const KEY = 'p/t/2026/11/25/x.a0v.zip';

function failingSource(afterBytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= afterBytes) {
        this.destroy(new Error('export download reset'));
        return;
      }
      sent += 1024;
      this.push(Buffer.alloc(1024, 97));
    },
  });
}

describe('archive writer', () => {
  it('stores nothing when an entry source fails, and rejects every later call with that error', async () => {
    const storage = new MemoryBackend();
    const writer = createArchiveWriter({ storage, key: KEY, signal });
    await writer.addEntry('idmap.json', '{}');
    const err = await writer.addEntry('users/users.ndjson.gz', failingSource(64 * 1024)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(A0vaultError);
    expect(String((err as Error & { cause?: Error }).cause?.message)).toContain('export download reset');
    await expect(writer.finish()).rejects.toBe(err);
    await expect(writer.addEntry('coverage.json', '[]')).rejects.toBe(err);
    expect(await storage.stat(KEY, { signal })).toBeUndefined();
  });

  it('stores nothing when the caller aborts mid-entry', async () => {
    const storage = new MemoryBackend();
    const controller = new AbortController();
    const writer = createArchiveWriter({ storage, key: KEY, signal: controller.signal });
    let pushed = 0;
    const endless = new Readable({
      read() {
        pushed++;
        if (pushed === 20) controller.abort(new Error('SIGINT'));
        this.push(Buffer.alloc(4096, 98));
      },
    });
    await expect(writer.addEntry('users/users.ndjson.gz', endless)).rejects.toBeInstanceOf(CancelledError);
    await expect(writer.finish()).rejects.toBeInstanceOf(CancelledError);
    expect(await storage.stat(KEY, { signal })).toBeUndefined();
  });

  it('stores nothing after abort()', async () => {
    const storage = new MemoryBackend();
    const writer = createArchiveWriter({ storage, key: KEY, signal });
    await writer.addEntry('idmap.json', '{}');
    await writer.abort();
    await expect(writer.finish()).rejects.toBeInstanceOf(CancelledError);
    expect(await storage.stat(KEY, { signal })).toBeUndefined();
  });

  it('never overwrites an existing object', async () => {
    const storage = new MemoryBackend();
    await storage.put(KEY, () => Readable.from([Buffer.from('older snapshot')]), { signal });
    const writer = createArchiveWriter({ storage, key: KEY, signal });
    await writer.addEntry('idmap.json', '{}');
    await expect(writer.finish()).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await storage.get(KEY, (s) => buffer(s), { signal })).toString()).toBe('older snapshot');
  });

  it('rejects bad entry paths, duplicates and overlapping calls without failing the archive', async () => {
    const storage = new MemoryBackend();
    const writer = createArchiveWriter({ storage, key: KEY, signal });
    await expect(writer.addEntry('../etc/passwd', 'x')).rejects.toThrow(/invalid archive entry path/);
    await expect(writer.addEntry('/abs', 'x')).rejects.toThrow(/invalid archive entry path/);
    await writer.addEntry('idmap.json', '{}');
    await expect(writer.addEntry('idmap.json', '{}')).rejects.toThrow(/added twice/);
    const slow = writer.addEntry('coverage.json', Readable.from([Buffer.from('[]')]));
    await expect(writer.addEntry('config/tenant.yaml', 'x')).rejects.toThrow(/another entry/);
    await slow;
    const result = await writer.finish();
    expect(result.entries.map((e) => e.path)).toEqual(['idmap.json', 'coverage.json']);
    await expect(writer.addEntry('config/tenant.yaml', 'x')).rejects.toThrow(/after finish/);
  });

  it('writes empty entries and counts records of plain NDJSON', async () => {
    const storage = new MemoryBackend();
    const writer = createArchiveWriter({ storage, key: KEY, signal });
    const empty = await writer.addEntry('config/empty.yaml', Buffer.alloc(0));
    const plain = await writer.addEntry('config/lines.ndjson', '{"a":1}\n\n{"b":2}\r\n{"c":3}', { records: 'count' });
    await writer.finish();
    expect(empty).toMatchObject({ size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(plain.records).toBe(3);
    const reader = await ArchiveReader.open({ storage, key: KEY, signal });
    expect((await reader.readEntry('config/empty.yaml', { maxBytes: 10 })).length).toBe(0);
    reader.close();
  });

  it('produces the same bytes for the same content (fixed entry times)', async () => {
    const write = async () => {
      const storage = new MemoryBackend();
      const writer = createArchiveWriter({ storage, key: KEY, signal });
      await writer.addEntry('config/tenant.yaml', 'tenant: {}\n');
      await writer.addEntry('idmap.json', '{}\n');
      return (await writer.finish()).sha256;
    };
    expect(await write()).toBe(await write());
  });

  describe('reopening the put source', () => {
    /** A backend whose put opens the source, reads `readFirst` chunks, then opens it again. */
    function reopeningBackend(readFirst: number): MemoryBackend {
      const backend = new MemoryBackend();
      const put = backend.put.bind(backend);
      backend.put = async (key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> => {
        const first = await source();
        for (let i = 0; i < readFirst; i++) {
          await new Promise<void>((resolve) => first.once('readable', resolve));
          first.read();
        }
        return put(key, source, options);
      };
      return backend;
    }

    it('hands out the same stream again while nothing has been read', async () => {
      const storage = reopeningBackend(0);
      const writer = createArchiveWriter({ storage, key: KEY, signal });
      await writer.addEntry('idmap.json', '{}');
      const result = await writer.finish();
      expect(result.object.size).toBe(result.size);
    });

    it('refuses, with a clear non-transient error, once bytes were consumed', async () => {
      const storage = reopeningBackend(1);
      const writer = createArchiveWriter({ storage, key: KEY, signal });
      const outcome = (async () => {
        await writer.addEntry('idmap.json', '{}');
        return writer.finish();
      })();
      const err = await outcome.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(A0vaultError);
      expect((err as A0vaultError).code).toBe('storage');
      expect((err as A0vaultError).message).toMatch(/cannot be re-read for a retry/);
      expect(await storage.stat(KEY, { signal })).toBeUndefined();
    });
  });
});
