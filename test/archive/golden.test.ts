/**
 * Golden archives of every format version (test/fixtures/golden/README.md): valid ones verify
 * and read; broken ones fail verify naming the right subject.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/core/errors.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import { ArchiveReader, MANIFEST_SUFFIX, checkSnapshot, readManifest, readNdjson, verifySnapshot } from '../../src/archive/index.js';

const goldenRoot = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const signal = new AbortController().signal;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Loads a case folder into a memory backend; returns it and the manifest key. */
async function load(version: string, name: string): Promise<{ storage: MemoryBackend; manifestKey: string }> {
  const dir = join(goldenRoot, version, name);
  const storage = new MemoryBackend();
  let manifestKey: string | undefined;
  for (const file of files(dir)) {
    const key = relative(dir, file).split(/[\\/]/).join('/');
    await storage.put(key, () => Readable.from([readFileSync(file)]), { signal });
    if (key.endsWith(MANIFEST_SUFFIX)) manifestKey = key;
  }
  if (!manifestKey) throw new Error(`${dir} has no manifest`);
  return { storage, manifestKey };
}

const versions = readdirSync(goldenRoot).filter((v) => /^v\d+$/.test(v));

describe('golden archives', () => {
  it('exist for format version 1', () => {
    expect(versions).toContain('v1');
  });

  describe.each(versions)('%s', (version) => {
    it('valid: verifies, and every entry reads', async () => {
      const { storage, manifestKey } = await load(version, 'valid');
      const report = await verifySnapshot({ storage, manifestKey, signal });
      expect(report.ok).toBe(true);
      const manifest = await readManifest(storage, manifestKey, { signal });
      const reader = await ArchiveReader.open({ storage, key: manifest.archive.key, signal });
      try {
        for (const entry of manifest.entries) {
          if (entry.records !== undefined) {
            let n = 0;
            for await (const _record of readNdjson(await reader.openEntry(entry.path), { signal, name: entry.path })) n++;
            expect(n).toBe(entry.records);
          } else {
            expect((await reader.readEntry(entry.path, { maxBytes: 1 << 20 })).length).toBe(entry.size);
          }
        }
      } finally {
        reader.close();
      }
    });

    const broken: [string, string, RegExp][] = [
      ['flipped-entry-byte', 'users/users.ndjson.gz', /CRC-32|sha256/],
      ['manifest-sha-mismatch', 'manifest', /manifestSha256/],
      ['missing-entry', 'idmap.json', /missing from the archive/],
      ['truncated-zip', 'archive', /bytes|zip/],
      ['record-count-mismatch', 'users/users.ndjson.gz', /records, the manifest says/],
    ];
    it.each(broken)('%s: fails naming %s', async (name, subject, reason) => {
      const { storage, manifestKey } = await load(version, name);
      const err = await verifySnapshot({ storage, manifestKey, signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      const details = (err as IntegrityError).details as { entry: string; problems: { subject: string; message: string }[] };
      expect(details.entry).toBe(subject);
      expect(details.problems[0]?.message).toMatch(reason);
      const report = await checkSnapshot({ storage, manifestKey, signal });
      const failedEntries = report.entries.filter((e) => e.status === 'failed').map((e) => e.path);
      expect(failedEntries).toEqual(subject === 'archive' || subject === 'manifest' ? [] : [subject]);
    });
  });
});
