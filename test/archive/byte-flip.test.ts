/**
 * Flipping a single byte anywhere in an archive must make verify fail with an IntegrityError
 * naming an entry or the archive; inside an entry's local region (header, data, descriptor) it
 * must name that entry.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/core/errors.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import { ArchiveReader, verifySnapshot, type Manifest, type SnapshotKeys } from '../../src/archive/index.js';
import { writeSampleSnapshot } from '../../scripts/fixtures/sample-snapshot.js';

const signal = new AbortController().signal;

let keys: SnapshotKeys;
let manifest: Manifest;
let archive: Buffer;
let manifestBytes: Buffer;
/** [start, end) of each entry's local region, in file order; the central directory starts after. */
let regions: { path: string; start: number; end: number }[];

beforeAll(async () => {
  const storage = new MemoryBackend();
  ({ keys, manifest } = await writeSampleSnapshot({ storage, signal }));
  archive = await storage.get(keys.archive, (s) => buffer(s), { signal });
  manifestBytes = await storage.get(keys.manifest, (s) => buffer(s), { signal });
  const reader = await ArchiveReader.open({ storage, key: keys.archive, signal });
  const list = reader.list();
  reader.close();
  // the central directory begins where the EOCD record says (offset 16 of the last 22 bytes)
  const cdOffset = archive.readUInt32LE(archive.length - 22 + 16);
  regions = list.map((e, i) => ({ path: e.path, start: e.offset, end: list[i + 1]?.offset ?? cdOffset }));
});

async function verifyFlipped(position: number, mask: number): Promise<unknown> {
  const storage = new MemoryBackend();
  const copy = Buffer.from(archive);
  copy[position] = (copy[position] ?? 0) ^ mask;
  await storage.put(keys.archive, () => Readable.from([copy]), { signal });
  await storage.put(keys.manifest, () => Readable.from([manifestBytes]), { signal });
  return verifySnapshot({ storage, manifestKey: keys.manifest, signal }).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('single-byte corruption', () => {
  it('is detected at every sampled position, naming the right entry', async () => {
    const paths = new Set(manifest.entries.map((e) => e.path));
    const tail = archive.length - 140; // the last central directory record and the EOCD, every byte
    const positions = [...Array(archive.length).keys()].filter((p) => p % 4 === 0 || p >= tail);
    expect(positions.length).toBeGreaterThan(500);
    const undetected: number[] = [];
    const misnamed: string[] = [];
    for (const [i, position] of positions.entries()) {
      const mask = i % 2 === 0 ? 0xff : 1 << i % 8;
      const err = await verifyFlipped(position, mask);
      if (!(err instanceof IntegrityError)) {
        undetected.push(position);
        continue;
      }
      const subject = err.details.entry as string;
      const region = regions.find((r) => position >= r.start && position < r.end);
      if (region ? subject !== region.path : !(subject === 'archive' || paths.has(subject))) {
        misnamed.push(`${position}: ${subject} (expected ${region?.path ?? 'an entry or archive'})`);
      }
    }
    expect(undetected).toEqual([]);
    expect(misnamed).toEqual([]);
  });

  it('names the entry in the error message', async () => {
    const users = regions.find((r) => r.path === 'users/users.ndjson.gz');
    expect(users).toBeDefined();
    const err = await verifyFlipped(Math.floor(((users?.start ?? 0) + (users?.end ?? 0)) / 2), 0x10);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).message).toContain('entry users/users.ndjson.gz');
  });

  it('passes when nothing is flipped (the harness itself is sound)', async () => {
    expect(await verifyFlipped(0, 0)).toBeUndefined();
  });
});
