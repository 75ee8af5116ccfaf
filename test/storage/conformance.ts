/**
 * The one storage conformance suite: the same checks against every backend (memory, local, GCS
 * through the fake). Each test gets a fresh, empty backend from `createHarness`.
 */
import { setMaxListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import {
  CorruptObjectError,
  ObjectNotFoundError,
  PreconditionFailedError,
  StorageError,
  type StorageBackend,
} from '../../src/storage/backend.js';
import { compareKeys } from '../../src/storage/keys.js';
import { RetryingBackend } from '../../src/storage/retrying.js';
import {
  InstantClock,
  bytes,
  digestOf,
  digestOfSource,
  generated,
  generatedStream,
  listKeys,
  readText,
  type StorageHarness,
} from './harness.js';

const MIB = 1024 * 1024;

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export function runConformanceSuite(name: string, createHarness: () => Promise<StorageHarness>): void {
  describe(`storage conformance: ${name}`, () => {
    let h: StorageHarness;
    let backend: StorageBackend;
    const signal = new AbortController().signal;
    // one signal reaches many concurrent calls, as in the CLI
    setMaxListeners(0, signal);

    beforeEach(async () => {
      h = await createHarness();
      backend = h.backend;
    });
    afterEach(async () => {
      await h.close();
    });

    it.each([
      ['0 B', 0],
      ['1 B', 1],
      ['64 MB', 64 * MIB],
    ])('round-trips %s, streamed and hashed both ways', async (_label, size) => {
      const source = generated(`round-trip-${size}`, size);
      const expected = await digestOfSource(source);
      const info = await backend.put(`rt/object-${size}`, source, { signal, size, metadata: { purpose: 'test' } });
      expect(info).toMatchObject({ key: `rt/object-${size}`, size, sha256: expected.sha256 });
      expect(info.metadata).toMatchObject({ purpose: 'test', sha256: expected.sha256 });
      const back = await backend.get(`rt/object-${size}`, (stream) => digestOf(stream), { signal });
      expect(back).toEqual(expected);
      const stat = await backend.stat(`rt/object-${size}`, { signal });
      expect(stat).toMatchObject({ size, version: info.version, sha256: expected.sha256 });
    });

    it('reads byte ranges', async () => {
      await backend.put('range/abc', bytes('0123456789'), { signal });
      const read = (start: number, end?: number) => readText(backend, 'range/abc', { signal, range: { start, end } });
      expect(await read(2, 4)).toBe('234');
      expect(await read(7)).toBe('789');
      expect(await read(8, 100)).toBe('89');
      expect(await read(10)).toBe('');
    });

    it('lists 2,500 keys in byte order, across pages and prefixes', async () => {
      const keys = Array.from({ length: 2500 }, (_, i) => `list/p${i % 5}/k${String(i).padStart(4, '0')}`);
      await inBatches(keys, 25, (key) => backend.put(key, bytes(key), { signal }));
      const all = await listKeys(backend, 'list/', { signal });
      expect(all).toEqual([...keys].sort(compareKeys));
      const infos = [];
      for await (const info of backend.list('list/p3/', { signal })) infos.push(info);
      expect(infos).toHaveLength(500);
      expect(infos.every((i) => i.key.startsWith('list/p3/') && i.size === i.key.length)).toBe(true);
      expect(await listKeys(backend, 'list/p3/k000', { signal })).toEqual(['list/p3/k0003', 'list/p3/k0008']);
      expect(await listKeys(backend, 'list/p9', { signal })).toEqual([]);
      expect(await listKeys(backend, 'nothing/', { signal })).toEqual([]);
    });

    it('orders keys by UTF-8 bytes, the same on every backend', async () => {
      // no key is also a "directory" of another key: a filesystem cannot hold both
      const keys = ['ord/a-b', 'ord/a/b', 'ord/a0', 'ord/é', 'ord/\u{1F600}', 'ord/\uFFFD', 'ord/Z'];
      for (const key of keys) await backend.put(key, bytes(key), { signal });
      expect(await listKeys(backend, 'ord/', { signal })).toEqual([
        'ord/Z',
        'ord/a-b',
        'ord/a/b',
        'ord/a0',
        'ord/é',
        'ord/\uFFFD',
        'ord/\u{1F600}',
      ]);
    });

    it('never overwrites unless asked, and compares versions when asked', async () => {
      const first = await backend.put('ow/key', bytes('first'), { signal });
      const refused = backend.put('ow/key', bytes('second'), { signal });
      await expect(refused).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(refused).rejects.toMatchObject({ operation: 'put', location: backend.location, transient: false });
      expect(await readText(backend, 'ow/key', { signal })).toBe('first');

      const second = await backend.put('ow/key', bytes('second'), { signal, overwrite: true });
      expect(second.version).not.toBe(first.version);
      await expect(backend.put('ow/key', bytes('third'), { signal, overwrite: { version: first.version } })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      const third = await backend.put('ow/key', bytes('third'), { signal, overwrite: { version: second.version } });
      expect(await readText(backend, 'ow/key', { signal })).toBe('third');
      await expect(backend.put('ow/absent', bytes('x'), { signal, overwrite: { version: third.version } })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );

      await expect(backend.remove('ow/key', { signal, ifVersion: second.version })).rejects.toBeInstanceOf(PreconditionFailedError);
      await backend.remove('ow/key', { signal, ifVersion: third.version });
      expect(await backend.stat('ow/key', { signal })).toBeUndefined();
      await expect(readText(backend, 'ow/key', { signal })).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(backend.remove('ow/key', { signal })).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('lets exactly one of several concurrent creators win', async () => {
      const contenders = Array.from({ length: 8 }, (_, i) => generated(`contender-${i}`, 3 * MIB));
      const results = await Promise.allSettled(contenders.map((source) => backend.put('race/key', source, { signal })));
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((r) => r.reason instanceof PreconditionFailedError)).toBe(true);
      const winner = contenders[results.findIndex((r) => r.status === 'fulfilled')];
      expect(winner).toBeDefined();
      const stored = await backend.get('race/key', (stream) => digestOf(stream), { signal });
      expect(stored).toEqual(await digestOfSource(winner as NonNullable<typeof winner>));
    });

    it('leaves nothing behind when a put is cancelled mid-upload', async () => {
      const controller = new AbortController();
      const size = 24 * MIB;
      let opens = 0;
      const source = () => {
        opens++;
        if (opens < h.sourceReads) return generatedStream('cancel', size);
        return generatedStream('cancel', size, MIB, { bytes: 10 * MIB, onStall: () => controller.abort(new Error('user pressed ^C')) });
      };
      await expect(backend.put('cancel/key', source, { signal: controller.signal, size })).rejects.toBeInstanceOf(CancelledError);
      expect(opens).toBe(h.sourceReads);
      expect(await backend.stat('cancel/key', { signal })).toBeUndefined();
      expect(await listKeys(backend, 'cancel/', { signal })).toEqual([]);
      expect(await h.leftovers()).toEqual([]);
    });

    it('commits nothing when the content does not match the sha256 the caller gave', async () => {
      const put = backend.put('sha/key', bytes('actual content'), { signal, sha256: '0'.repeat(64) });
      await expect(put).rejects.toBeInstanceOf(CorruptObjectError);
      expect(await backend.stat('sha/key', { signal })).toBeUndefined();
      expect(await h.leftovers()).toEqual([]);
    });

    it('detects a corrupted byte on download', async () => {
      const source = generated('corrupt', 3 * MIB);
      await backend.put('corrupt/key', source, { signal });
      await h.corrupt('corrupt/key');
      const read = backend.get('corrupt/key', (stream) => digestOf(stream), { signal });
      await expect(read).rejects.toBeInstanceOf(CorruptObjectError);
      await expect(read).rejects.toMatchObject({ operation: 'get', key: 'corrupt/key', location: backend.location });
    });

    it('retries transient faults (through RetryingBackend) until they succeed', async () => {
      const clock = new InstantClock();
      const retrying = new RetryingBackend(backend, { clock, random: () => 0.5, baseDelayMs: 100 });
      const source = generated('transient', 2 * MIB);
      const expected = await digestOfSource(source);

      await h.injectTransient('put', 2);
      await retrying.put('transient/key', source, { signal });
      await h.injectTransient('get', 2);
      expect(await retrying.get('transient/key', (stream) => digestOf(stream), { signal })).toEqual(expected);
      for (const key of ['transient/a', 'transient/b', 'transient/c']) await backend.put(key, bytes(key), { signal });
      await h.injectTransient('list', 1);
      expect(await listKeys(retrying, 'transient/', { signal })).toEqual(['transient/a', 'transient/b', 'transient/c', 'transient/key']);
      // 2 + 2 + 1 waits, each 3/4 of its exponential cap (random 0.5): 75, 150 | 75, 150 | 75
      expect(clock.sleeps).toEqual([75, 150, 75, 150, 75]);
    });

    it('surfaces a permanent fault as a StorageError naming the location and operation, without retrying', async () => {
      const clock = new InstantClock();
      const retrying = new RetryingBackend(backend, { clock });
      await h.injectPermanent('perm/dir/key');
      const put = retrying.put('perm/dir/key', bytes('x'), { signal });
      await expect(put).rejects.toBeInstanceOf(StorageError);
      await expect(put).rejects.toMatchObject({ operation: 'put', key: 'perm/dir/key', location: backend.location, transient: false });
      const err = (await put.catch((e: unknown) => e)) as StorageError;
      expect(err.message).toContain(backend.location);
      expect(err.message).toMatch(h.permanentMessage);
      expect(clock.sleeps).toEqual([]);
    });

    it('rejects keys that would mean different things on different backends', async () => {
      for (const key of ['', '/abs', 'a//b', 'a/../b', './a', 'a\\b', 'a/.a0vault-tmp-x', 'tab\there']) {
        await expect(backend.put(key, bytes('x'), { signal })).rejects.toBeInstanceOf(StorageError);
      }
    });

    it('does nothing once the signal is aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const aborted = { signal: controller.signal };
      await expect(backend.put('abort/key', bytes('x'), aborted)).rejects.toBeInstanceOf(CancelledError);
      await expect(backend.stat('abort/key', aborted)).rejects.toBeInstanceOf(CancelledError);
      await expect(listKeys(backend, '', aborted)).rejects.toBeInstanceOf(CancelledError);
      expect(await backend.stat('abort/key', { signal })).toBeUndefined();
    });
  });
}
