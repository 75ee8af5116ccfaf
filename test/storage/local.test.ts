import { mkdir, mkdtemp, open, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptObjectError, PreconditionFailedError } from '../../src/storage/backend.js';
import { LocalBackend } from '../../src/storage/local.js';
import { runConformanceSuite } from './conformance.js';
import { FaultyBackend, bytes, generated, listKeys, readText } from './harness.js';

async function tempRoot(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'a0vault-local-'));
}

/** Every bookkeeping file a failed put could leave: temp files and lock files. */
async function strayFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.filter((e) => /\.a0vault-(tmp|lock)-/.test(path.basename(e)));
}

async function flipByte(file: string, offset: number): Promise<void> {
  const fh = await open(file, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, offset);
  b[0] = (b[0] ?? 0) ^ 0xff;
  await fh.write(b, 0, 1, offset);
  await fh.close();
}

// Transient faults cannot be provoked on a local disk on demand (EBUSY, EAGAIN), so they are
// injected by FaultyBackend; the permanent fault is real: a file where a directory must go.
runConformanceSuite('local', async () => {
  const root = await tempRoot();
  const local = new LocalBackend({ root });
  const faulty = new FaultyBackend(local);
  return {
    backend: faulty,
    sourceReads: 1,
    corrupt: (key) => flipByte(path.join(root, key), 1000),
    injectTransient: async (operation, times) => faulty.failNext(operation, times, true),
    injectPermanent: async (key) => {
      const parent = path.join(root, path.dirname(key));
      await mkdir(path.dirname(parent), { recursive: true });
      await writeFile(parent, 'in the way');
    },
    leftovers: () => strayFiles(root),
    permanentMessage: /a file is in the way/,
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('local backend specifics', () => {
  let root: string;
  let backend: LocalBackend;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    root = await tempRoot();
    backend = new LocalBackend({ root: path.join(root, 'store') });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('creates files 0600 and directories 0700', async () => {
    await backend.put('a/b/file', bytes('secret'), { signal });
    expect((await stat(path.join(root, 'store'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(root, 'store/a/b'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(root, 'store/a/b/file'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(root, 'store/a/b/.a0vault-meta-file.json'))).mode & 0o777).toBe(0o600);
  });

  it('stores exactly the bytes put, at the key path, with metadata in a sidecar that is never listed', async () => {
    await backend.put('x/y.txt', bytes('hello'), { signal, metadata: { kind: 'note' } });
    expect(await readdir(path.join(root, 'store/x'))).toEqual(['.a0vault-meta-y.txt.json', 'y.txt']);
    expect(await listKeys(backend, '', { signal })).toEqual(['x/y.txt']);
    expect((await backend.stat('x/y.txt', { signal }))?.metadata).toMatchObject({ kind: 'note' });
  });

  it('reads files it did not write (no sidecar) without a hash check, and skips stray temp files', async () => {
    await mkdir(path.join(root, 'store/dir'), { recursive: true });
    await writeFile(path.join(root, 'store/dir/plain'), 'copied in by hand');
    await writeFile(path.join(root, 'store/dir/.a0vault-tmp-1234'), 'half a put');
    expect(await listKeys(backend, 'dir/', { signal })).toEqual(['dir/plain']);
    expect(await readText(backend, 'dir/plain', { signal })).toBe('copied in by hand');
    expect((await backend.stat('dir/plain', { signal }))?.sha256).toBeUndefined();
  });

  it('ignores a sidecar that belongs to another inode (as after a crash between the two renames)', async () => {
    await backend.put('k', bytes('first'), { signal });
    // keep the old file alive so the new one cannot reuse its inode number
    await rename(path.join(root, 'store/k'), path.join(root, 'store/old-k'));
    await writeFile(path.join(root, 'store/k'), 'other');
    expect(await readText(backend, 'k', { signal })).toBe('other');
    expect((await backend.stat('k', { signal }))?.metadata).toEqual({});
  });

  it('reports a truncated file as corrupt before streaming', async () => {
    await backend.put('t', generated('trunc', 10_000), { signal });
    const fh = await open(path.join(root, 'store/t'), 'r+');
    await fh.truncate(5000);
    await fh.close();
    await expect(readText(backend, 't', { signal })).rejects.toBeInstanceOf(CorruptObjectError);
  });

  it('serializes compare-and-swap: of two swaps from the same version, one wins', async () => {
    const first = await backend.put('cas', bytes('v1'), { signal });
    const results = await Promise.allSettled([
      backend.put('cas', bytes('v2a'), { signal, overwrite: { version: first.version } }),
      backend.put('cas', bytes('v2b'), { signal, overwrite: { version: first.version } }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(loser?.reason).toBeInstanceOf(PreconditionFailedError);
    expect(await strayFiles(root)).toEqual([]);
  });

  it('breaks a lock file left over by a crashed process once it is stale', async () => {
    await backend.put('locked', bytes('v1'), { signal });
    const lock = path.join(root, 'store/.a0vault-lock-locked');
    await writeFile(lock, '{"pid":1}');
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    await backend.put('locked', bytes('v2'), { signal, overwrite: true });
    expect(await readText(backend, 'locked', { signal })).toBe('v2');
  });
});
