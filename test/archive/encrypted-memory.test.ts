/**
 * Encryption streams: resident memory stays flat while 128 MB are encrypted into the archive
 * writer, and while 128 MB are encrypted and decrypted back to back. Holding the data whole
 * would grow RSS by at least 128 MB; the bound is 100 MB (measured memory, not time).
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectInfo, PutOptions, ReopenableSource, StorageBackend } from '../../src/storage/backend.js';
import { createArchiveWriter } from '../../src/archive/index.js';
import { AgeIdentities, AgeRecipients, createDecryptStream, createEncryptStream } from '../../src/archive/encryption.js';

const MB = 1024 * 1024;
const SIZE = 128 * MB;
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

/** `total` bytes of non-repeating data, generated on demand (64 KiB chunks). */
function generated(total: number, rss: PeakRss, hash?: ReturnType<typeof createHash>): Readable {
  let sent = 0;
  let seed = 7;
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
      hash?.update(chunk);
      sent += chunk.length;
      rss.sample();
      this.push(chunk);
    },
  });
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
      for await (const chunk of await source()) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
        rss.sample();
      }
      return { key, size, version: '1', updated: new Date(0), metadata: {}, sha256: hash.digest('hex') };
    },
    get: fail,
    stat: fail,
    list: fail,
    remove: fail,
  };
}

let recipients: AgeRecipients;
let identities: AgeIdentities;

beforeAll(async () => {
  const identity = await generateX25519Identity();
  recipients = AgeRecipients.parse({ values: [await identityToRecipient(identity)] });
  identities = AgeIdentities.parse(identity, 'test identity');
});

describe('encryption memory', () => {
  it('keeps RSS growth under 100 MB while the writer encrypts a 128 MB entry', { timeout: 120_000 }, async () => {
    const warm = new PeakRss();
    const w0 = createArchiveWriter({ storage: sinkBackend(warm), key: 'a', signal, encryptTo: recipients });
    await w0.addEntry('users/users.ndjson.gz', generated(4 * MB, warm));
    await w0.finish();

    const rss = new PeakRss();
    const writer = createArchiveWriter({ storage: sinkBackend(rss), key: 'b', signal, encryptTo: recipients });
    const entry = await writer.addEntry('users/users.ndjson.gz', generated(SIZE, rss));
    await writer.finish();
    // age adds 16 bytes per 64 KiB chunk plus a header
    expect(entry.size).toBeGreaterThan(SIZE + (SIZE / (64 * 1024)) * 16);
    expect(rss.growthMb).toBeLessThan(100);
  });

  it('keeps RSS growth under 100 MB while 128 MB are encrypted and decrypted back to back, unchanged', { timeout: 120_000 }, async () => {
    const rss = new PeakRss();
    const inHash = createHash('sha256');
    const outHash = createHash('sha256');
    let out = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        outHash.update(chunk);
        out += chunk.length;
        rss.sample();
        callback();
      },
    });
    await pipeline(generated(SIZE, rss, inHash), createEncryptStream(recipients), createDecryptStream(identities), sink);
    expect(out).toBe(SIZE);
    expect(outHash.digest('hex')).toBe(inHash.digest('hex'));
    expect(rss.growthMb).toBeLessThan(100);
  });
});
