/**
 * The writer streams: memory stays flat whatever the entry size. Measures resident memory
 * growth (not time) while 200 MB flow through the writer into a backend that only hashes.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ObjectInfo, PutOptions, ReopenableSource, StorageBackend } from '../../src/storage/backend.js';
import { createArchiveWriter, createNdjsonGzipStream } from '../../src/archive/index.js';

const MB = 1024 * 1024;
const signal = new AbortController().signal;

class PeakRss {
  baseline = process.memoryUsage().rss;
  peak = this.baseline;
  sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
  }
  get growthMb(): number {
    return (this.peak - this.baseline) / MB;
  }
}

/** Consumes and hashes what is put; keeps nothing. */
function sinkBackend(rss: PeakRss): StorageBackend {
  const fail = () => {
    throw new Error('not used');
  };
  return {
    location: 'sink://',
    async put(key: string, source: ReopenableSource, _options: PutOptions): Promise<ObjectInfo> {
      const hash = createHash('sha256');
      let size = 0;
      let n = 0;
      for await (const chunk of await source()) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (++n % 64 === 0) rss.sample();
      }
      return { key, size, version: '1', updated: new Date(0), metadata: {}, sha256: hash.digest('hex') };
    },
    get: fail,
    stat: fail,
    list: fail,
    remove: fail,
  };
}

/** `total` bytes of non-repeating data, generated chunk by chunk on demand. */
function generated(total: number, rss: PeakRss): Readable {
  let sent = 0;
  let seed = 1;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, total - sent));
      for (let i = 0; i < chunk.length; i += 4) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        chunk.writeUInt32LE(seed, i);
      }
      sent += chunk.length;
      rss.sample();
      this.push(chunk);
    },
  });
}

describe('writer memory', () => {
  it('keeps RSS growth under 100 MB while writing a 200 MB entry', async () => {
    // warm up code paths and allocator before the baseline
    const warm = new PeakRss();
    const w0 = createArchiveWriter({ storage: sinkBackend(warm), key: 'a', signal });
    await w0.addEntry('users/users.ndjson.gz', generated(8 * MB, warm));
    await w0.finish();

    const rss = new PeakRss();
    const writer = createArchiveWriter({ storage: sinkBackend(rss), key: 'b', signal });
    const entry = await writer.addEntry('users/users.ndjson.gz', generated(200 * MB, rss));
    const result = await writer.finish();
    expect(entry.size).toBe(200 * MB);
    expect(result.size).toBeGreaterThan(200 * MB);
    expect(rss.growthMb).toBeLessThan(100);
  });

  it('keeps RSS flat while gzip-encoding and record-counting 300k NDJSON records', async () => {
    const rss = new PeakRss();
    const records = 300_000;
    function* users() {
      for (let i = 0; i < records; i++) {
        if (i % 1000 === 0) rss.sample();
        yield { user_id: `auth0|${i}`, email: `user${i}@example.com`, app_metadata: { n: i, tag: (i * 2654435761) >>> 0 } };
      }
    }
    const writer = createArchiveWriter({ storage: sinkBackend(rss), key: 'c', signal });
    const nd = createNdjsonGzipStream(users(), { signal });
    const entry = await writer.addEntry('users/users.ndjson.gz', nd.stream, { records: 'count' });
    await writer.finish();
    expect(entry.records).toBe(records);
    expect(nd.records()).toBe(records);
    // collecting the records first would hold ~300k objects (well over 30 MB)
    expect(rss.growthMb).toBeLessThan(30);
  });
});
