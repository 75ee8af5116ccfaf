/** Helpers for the prune tests: sample snapshots at chosen times, and a protecting backend. */
import { Readable } from 'node:stream';
import { snapshotKeys } from '../../src/archive/layout.js';
import {
  ObjectProtectedError,
  type CallOptions,
  type GetOptions,
  type ObjectInfo,
  type PutOptions,
  type RemoveOptions,
  type ReopenableSource,
  type StorageBackend,
} from '../../src/storage/backend.js';
import { SAMPLE, writeSampleSnapshot } from '../../scripts/fixtures/sample-snapshot.js';

export const OTHER_TENANT = 'other.example.com';

/** A snapshot id at `iso` (second precision) with a fixed suffix. */
export function idAt(iso: string, suffix = 'aaaaaa'): string {
  const d = new Date(iso).toISOString();
  return `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}T${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)}Z-${suffix}`;
}

/** Writes real sample snapshots (archive + manifest) of SAMPLE.domain with these ids. */
export async function writeSamples(storage: StorageBackend, ids: string[], signal: AbortSignal): Promise<void> {
  for (const snapshotId of ids) await writeSampleSnapshot({ storage, signal, snapshotId, users: 3 });
}

/** Archive and manifest objects for another tenant (prune reads keys only: content is a stub). */
export async function writeStubSnapshot(storage: StorageBackend, domain: string, snapshotId: string, signal: AbortSignal, options: { manifest?: boolean } = {}): Promise<void> {
  const keys = snapshotKeys(SAMPLE.prefix, domain, snapshotId);
  await storage.put(keys.archive, () => Readable.from([Buffer.from('zip')]), { signal });
  if (options.manifest !== false) await storage.put(keys.manifest, () => Readable.from([Buffer.from('{}')]), { signal });
}

/** Wraps a backend: removing a key for which `protect` returns a date fails like a GCS retention policy. */
export class ProtectingBackend implements StorageBackend {
  readonly location: string;
  readonly removes: string[] = [];

  constructor(
    private readonly inner: StorageBackend,
    private readonly protect: (key: string) => Date | undefined,
  ) {
    this.location = inner.location;
  }

  put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    return this.inner.put(key, source, options);
  }
  get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T> {
    return this.inner.get(key, consume, options);
  }
  stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key, options);
  }
  list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, options);
  }
  async remove(key: string, options: RemoveOptions): Promise<void> {
    this.removes.push(key);
    const until = this.protect(key);
    if (until) throw new ObjectProtectedError('protected by a retention policy', { operation: 'remove', location: this.location, key, retainUntil: until });
    return this.inner.remove(key, options);
  }
}

export async function keysOf(storage: StorageBackend, signal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list('', { signal })) out.push(o.key);
  return out;
}
