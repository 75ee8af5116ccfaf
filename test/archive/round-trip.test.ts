import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/core/errors.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import { TAIL_BYTES } from '../../src/archive/range-reader.js';
import { ArchiveReader, ENTRY, createArchiveWriter, checkSnapshot, readManifest, readNdjson, verifySnapshot } from '../../src/archive/index.js';
import { SAMPLE, writeSampleSnapshot } from '../../scripts/fixtures/sample-snapshot.js';

const signal = new AbortController().signal;

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of iterable) out.push(v);
  return out;
}

describe('write → verify → read', () => {
  it('verifies a freshly written snapshot and reads every entry back', async () => {
    const storage = new MemoryBackend();
    const { keys, manifest } = await writeSampleSnapshot({ storage, signal, users: 40 });

    const report = await verifySnapshot({ storage, manifestKey: keys.manifest, signal });
    expect(report.ok).toBe(true);
    expect(report.entries.map((e) => [e.path, e.status])).toEqual(manifest.entries.map((e) => [e.path, 'ok']));
    expect(report.archive).toMatchObject({ status: 'ok', size: manifest.archive.size, sha256: manifest.archive.sha256 });

    const stored = await readManifest(storage, keys.manifest, { signal });
    expect(stored).toEqual(manifest);
    expect(stored.entries.find((e) => e.path === ENTRY.users)?.records).toBe(40);

    const reader = await ArchiveReader.open({ storage, key: keys.archive, signal });
    try {
      expect(reader.list().map((e) => e.path)).toEqual(manifest.entries.map((e) => e.path));
      const users = await collect(readNdjson(await reader.openEntry(ENTRY.users), { signal, name: ENTRY.users }));
      expect(users).toHaveLength(40);
      expect(users[39]).toMatchObject({ user_id: 'auth0|000039', email: 'user39@example.com' });
      const yaml = (await reader.readEntry(ENTRY.tenantConfig, { maxBytes: 10_000 })).toString('utf8');
      expect(yaml).toContain('friendly_name: Demo');
      const code = (await reader.readEntry('config/actions/hello/code.js', { maxBytes: 10_000 })).toString('utf8');
      expect(code).toContain('onExecutePostLogin');
    } finally {
      reader.close();
    }
  });

  it('reads one entry with ranged gets, without downloading the whole archive', async () => {
    const storage = new MemoryBackend();
    const writer = createArchiveWriter({ storage, key: 'x/big.a0v.zip', signal });
    await writer.addEntry(ENTRY.users, Readable.from([randomBytes(1 << 20), randomBytes(1 << 20)]));
    await writer.addEntry(ENTRY.idMap, '{"roles":[1,2]}\n');
    const written = await writer.finish();
    const reader = await ArchiveReader.open({ storage, key: 'x/big.a0v.zip', signal });
    try {
      const idmap = JSON.parse((await reader.readEntry(ENTRY.idMap, { maxBytes: 10_000 })).toString('utf8')) as { roles: unknown[] };
      expect(idmap.roles).toEqual([1, 2]);
      // the tail (central directory and the small entry) and nothing of the 2 MiB entry
      expect(reader.fetched.bytes).toBeLessThanOrEqual(TAIL_BYTES);
      expect(written.size).toBeGreaterThan(8 * TAIL_BYTES);
      const users = await reader.readEntry(ENTRY.users, { maxBytes: 4 << 20 });
      expect(users.length).toBe(2 << 20);
      expect(reader.fetched.gets).toBe(3); // tail, local header, data
    } finally {
      reader.close();
    }
  });

  it('lists the manifest as the last object written', async () => {
    const storage = new MemoryBackend();
    const { keys } = await writeSampleSnapshot({ storage, signal });
    const infos = [];
    for await (const info of storage.list(`${SAMPLE.prefix}/`, { signal })) infos.push(info);
    const byVersion = [...infos].sort((a, b) => Number(a.version) - Number(b.version)).map((i) => i.key);
    expect(byVersion).toEqual([keys.archive, keys.manifest]);
  });

  it('reports an archive without its manifest as not found, and a missing archive as an integrity failure', async () => {
    const storage = new MemoryBackend();
    const { keys } = await writeSampleSnapshot({ storage, signal });
    await expect(checkSnapshot({ storage, manifestKey: keys.manifest.replace('k3v7qa', 'aaaaaa'), signal })).rejects.toMatchObject({ code: 'not-found' });
    await storage.remove(keys.archive, { signal });
    const err = await verifySnapshot({ storage, manifestKey: keys.manifest, signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).details.entry).toBe('archive');
  });

  it('turns a backend-detected corrupt object into an integrity failure of the archive', async () => {
    const storage = new MemoryBackend();
    const { keys, manifest } = await writeSampleSnapshot({ storage, signal });
    const usersOffset = 200; // somewhere inside the entries
    expect(manifest.archive.size).toBeGreaterThan(usersOffset);
    storage.damageForTesting(keys.archive, usersOffset);
    const report = await checkSnapshot({ storage, manifestKey: keys.manifest, signal });
    expect(report.ok).toBe(false);
    expect(report.archive.problems.join(' ')).toMatch(/corrupt|sha256/);
    storage.damageForTesting(keys.manifest, 10);
    const err = await verifySnapshot({ storage, manifestKey: keys.manifest, signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).details.entry).toBe('manifest');
  });

  it('streams an entry whose source is a plain Readable', async () => {
    const storage = new MemoryBackend();
    const writer = createArchiveWriter({ storage, key: 'x/a.a0v.zip', signal });
    const entry = await writer.addEntry('coverage.json', Readable.from([Buffer.from('[]\n')]));
    expect(entry).toEqual({ path: 'coverage.json', size: 3, sha256: createHash('sha256').update('[]\n').digest('hex') });
    const result = await writer.finish();
    expect(result.entries).toEqual([entry]);
  });
});
