/**
 * In-memory backend (`mem://name`), for tests and dry runs of the wiring.
 *
 * Contract: the whole StorageBackend contract, within one process. Backends opened on the same
 * `mem://name` share one store. A put reads the whole source before it commits, so a failed or
 * cancelled put leaves nothing; the existence check and the commit happen in one synchronous
 * step, so exactly one of several concurrent creators wins. Content is kept as the chunks the
 * source produced (no copy into one large buffer) with its sha256, which is checked again on
 * every full read: a byte changed in the store is reported as CorruptObjectError.
 */
import { createHash } from 'node:crypto';
import { Readable, addAbortSignal } from 'node:stream';
import { throwIfAborted } from '../core/abort.js';
import {
  CorruptObjectError,
  ObjectNotFoundError,
  PreconditionFailedError,
  type CallOptions,
  type GetOptions,
  type ObjectInfo,
  type PutOptions,
  type RemoveOptions,
  type ReopenableSource,
  type StorageBackend,
} from './backend.js';
import { SHA256_METADATA_KEY, checkKey, checkPrefix, checkRange, compareKeys } from './keys.js';
import { VerifyingStream, cancelledOr } from './streams.js';

interface StoredObject {
  chunks: Buffer[];
  size: number;
  sha256: string;
  version: string;
  updated: Date;
  metadata: Record<string, string>;
}

/** The shared state behind one `mem://name`. */
export class MemoryStore {
  readonly objects = new Map<string, StoredObject>();
  nextVersion = 1;
}

const stores = new Map<string, MemoryStore>();

/** The store for `mem://name`, created on first use. */
export function memoryStore(name: string): MemoryStore {
  let store = stores.get(name);
  if (!store) {
    store = new MemoryStore();
    stores.set(name, store);
  }
  return store;
}

/** Forgets every `mem://` store (tests). */
export function clearMemoryStores(): void {
  stores.clear();
}

export interface MemoryBackendOptions {
  /** Defaults to a fresh private store. */
  store?: MemoryStore;
  location?: string;
  now?: () => number;
}

export class MemoryBackend implements StorageBackend {
  readonly location: string;
  private readonly store: MemoryStore;
  private readonly now: () => number;

  constructor(options: MemoryBackendOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    this.location = options.location ?? 'mem://';
    this.now = options.now ?? Date.now;
  }

  async put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    throwIfAborted(options.signal);
    checkKey(key, 'put', this.location);
    const ctx = { operation: 'put' as const, location: this.location, key };
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let size = 0;
    try {
      const stream = addAbortSignal(options.signal, await source());
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        // copy: a source may reuse its buffers
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
        chunks.push(buf);
        hash.update(buf);
        size += buf.length;
      }
    } catch (err) {
      throw cancelledOr(err, options.signal);
    }
    throwIfAborted(options.signal);
    const sha256 = hash.digest('hex');
    if (options.sha256 !== undefined && options.sha256 !== sha256) {
      throw new CorruptObjectError(`content sha256 ${sha256} does not match the expected ${options.sha256}`, ctx);
    }
    // From here to the end: no await, so the check and the commit are one atomic step.
    const existing = this.store.objects.get(key);
    const overwrite = options.overwrite ?? false;
    if (overwrite === false && existing) throw new PreconditionFailedError('object already exists', ctx);
    if (typeof overwrite === 'object' && existing?.version !== overwrite.version) {
      throw new PreconditionFailedError(`object is not at version ${overwrite.version}`, ctx);
    }
    const stored: StoredObject = {
      chunks,
      size,
      sha256,
      version: String(this.store.nextVersion++),
      updated: new Date(this.now()),
      metadata: { ...options.metadata, [SHA256_METADATA_KEY]: sha256 },
    };
    this.store.objects.set(key, stored);
    return this.info(key, stored);
  }

  async get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T> {
    throwIfAborted(options.signal);
    checkKey(key, 'get', this.location);
    const stored = this.store.objects.get(key);
    if (!stored) throw new ObjectNotFoundError('no such object', { operation: 'get', location: this.location, key });
    const range = options.range;
    let stream: Readable;
    if (range) {
      checkRange(range, 'get', this.location, key);
      stream = Readable.from(sliceChunks(stored.chunks, range.start, Math.min(range.end ?? Infinity, stored.size - 1)));
    } else {
      const verify = new VerifyingStream(
        stored.sha256,
        stored.size,
        (problem) => new CorruptObjectError(`content changed in the store: ${problem}`, { operation: 'get', location: this.location, key }),
      );
      stream = Readable.from(stored.chunks).pipe(verify);
      verify.on('error', () => undefined);
    }
    addAbortSignal(options.signal, stream);
    try {
      return await consume(stream);
    } catch (err) {
      throw cancelledOr(err, options.signal);
    }
  }

  async stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined> {
    throwIfAborted(options.signal);
    checkKey(key, 'stat', this.location);
    const stored = this.store.objects.get(key);
    return stored ? this.info(key, stored) : undefined;
  }

  async *list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo> {
    throwIfAborted(options.signal);
    checkPrefix(prefix, this.location);
    const keys = [...this.store.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
    for (const key of keys) {
      throwIfAborted(options.signal);
      const stored = this.store.objects.get(key);
      if (stored) yield this.info(key, stored);
    }
  }

  async remove(key: string, options: RemoveOptions): Promise<void> {
    throwIfAborted(options.signal);
    checkKey(key, 'remove', this.location);
    const ctx = { operation: 'remove' as const, location: this.location, key };
    const stored = this.store.objects.get(key);
    if (!stored) throw new ObjectNotFoundError('no such object', ctx);
    if (options.ifVersion !== undefined && stored.version !== options.ifVersion) {
      throw new PreconditionFailedError(`object is not at version ${options.ifVersion}`, ctx);
    }
    this.store.objects.delete(key);
  }

  /** Test hook: flips the bits of one stored byte, leaving the recorded sha256 as it was. */
  damageForTesting(key: string, offset = 0): void {
    const stored = this.store.objects.get(key);
    if (!stored) throw new Error(`damageForTesting: no object ${key}`);
    let rest = offset;
    for (const chunk of stored.chunks) {
      if (rest < chunk.length) {
        chunk[rest] = (chunk[rest] ?? 0) ^ 0xff;
        return;
      }
      rest -= chunk.length;
    }
    throw new Error(`damageForTesting: offset ${offset} is past the end of ${key}`);
  }

  private info(key: string, stored: StoredObject): ObjectInfo {
    return {
      key,
      size: stored.size,
      version: stored.version,
      updated: stored.updated,
      metadata: { ...stored.metadata },
      sha256: stored.sha256,
    };
  }
}

function* sliceChunks(chunks: Buffer[], start: number, end: number): Generator<Buffer> {
  let offset = 0;
  for (const chunk of chunks) {
    const chunkEnd = offset + chunk.length;
    if (chunkEnd > start && offset <= end) {
      yield chunk.subarray(Math.max(0, start - offset), Math.min(chunk.length, end - offset + 1));
    }
    offset = chunkEnd;
    if (offset > end) return;
  }
}
