import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StorageError } from './backend.js';
import { GcsBackend } from './gcs.js';
import { LocalBackend } from './local.js';
import { MemoryBackend } from './memory.js';
import { StorageRegistry, createDefaultRegistry, openStorage, parseLocation } from './registry.js';

const signal = new AbortController().signal;

function openError(location: string): StorageError {
  try {
    openStorage(location);
  } catch (err) {
    return err as StorageError;
  }
  throw new Error(`expected ${location} to fail`);
}

describe('storage registry', () => {
  it('treats plain paths (and Windows-looking ones) as local', () => {
    expect(parseLocation('/var/backups').scheme).toBe('file');
    expect(parseLocation('backups').scheme).toBe('file');
    expect(parseLocation('C:\\backups').scheme).toBe('file');
    expect(parseLocation('GS://bucket').scheme).toBe('gs');
  });

  it('resolves relative paths against the cwd option and file URLs to their path', () => {
    const local = openStorage('backups/a', { cwd: '/srv' });
    expect(local).toBeInstanceOf(LocalBackend);
    expect(local.location).toBe(path.resolve('/srv/backups/a'));
    expect(openStorage('file:///srv/b%20c').location).toBe('/srv/b c');
  });

  it('opens gs:// locations without touching the network, normalizing the prefix', () => {
    const gcs = openStorage('gs://my-bucket/backups//tenant/', { gcsEndpoint: 'http://127.0.0.1:1', projectId: 'p' });
    expect(gcs).toBeInstanceOf(GcsBackend);
    expect(gcs.location).toBe('gs://my-bucket/backups/tenant/');
    expect(openStorage('gs://my-bucket').location).toBe('gs://my-bucket/');
  });

  it('shares one store between backends opened on the same mem:// name', async () => {
    const a = openStorage('mem://shared-registry-test');
    const b = openStorage('mem://shared-registry-test');
    expect(a).toBeInstanceOf(MemoryBackend);
    await a.put('k', () => Readable.from([Buffer.from('v')]), { signal });
    expect((await b.stat('k', { signal }))?.size).toBe(1);
    expect(await openStorage('mem://other-registry-test').stat('k', { signal })).toBeUndefined();
  });

  it('refuses credentials in a gs:// location and never repeats them', () => {
    const err = openError('gs://svc:hunter2@my-bucket/x');
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ operation: 'open', location: 'gs://my-bucket/x' });
    expect(err.message).toMatch(/Application Default Credentials/);
    expect(JSON.stringify({ message: err.message, location: err.location })).not.toContain('hunter2');
  });

  it.each([
    ['gs://Not_A_Bucket/x', /invalid bucket name/],
    ['gs://my-bucket/x?token=abc', /no port, query or fragment/],
    ['gs://my-bucket/a/../b', /\. or \.\. segments/],
    ['file://otherhost/x', /./],
    ['s3://key:secret@bucket/x', /unsupported scheme s3:\/\//],
  ])('rejects %s', (location, message) => {
    const err = openError(location);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.operation).toBe('open');
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/secret|abc/);
  });

  it('lets callers register more schemes', () => {
    const registry = new StorageRegistry().register('test', ({ raw }) => new MemoryBackend({ location: raw }));
    expect(registry.open('test://x').location).toBe('test://x');
    expect(registry.schemes()).toEqual(['test']);
    expect(createDefaultRegistry().schemes()).toEqual(['file', 'gs', 'mem']);
  });
});
