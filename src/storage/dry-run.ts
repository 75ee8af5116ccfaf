/**
 * Dry-run decorator: reads pass through to the real backend; writes are checked and recorded but
 * never performed.
 *
 * Contract:
 * - get, stat and list go to the inner backend unchanged (they do not see recorded writes).
 * - put reads its whole source (so a producer feeding it is never left blocked), hashes it, and
 *   fails exactly where the real put would fail for a reason known in advance: the key exists and
 *   overwrite is false, the version does not match, the announced size or sha256 is wrong.
 *   Otherwise it records the write and returns an ObjectInfo with version `dry-run`.
 * - remove fails if the object is missing or at another version; otherwise it is recorded.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
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
import { SHA256_METADATA_KEY, checkKey } from './keys.js';
import { DigestStream, cancelledOr } from './streams.js';

export type DryRunWrite =
  | { operation: 'put'; key: string; size: number; sha256: string; overwrite: PutOptions['overwrite'] }
  | { operation: 'remove'; key: string; ifVersion?: string };

export const DRY_RUN_VERSION = 'dry-run';

export class DryRunBackend implements StorageBackend {
  readonly location: string;
  /** Every write that would have happened, in order. */
  readonly writes: DryRunWrite[] = [];

  constructor(
    private readonly inner: StorageBackend,
    private readonly now: () => number = Date.now,
  ) {
    this.location = inner.location;
  }

  async put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    throwIfAborted(options.signal);
    checkKey(key, 'put', this.location);
    const ctx = { operation: 'put' as const, location: this.location, key };
    const overwrite = options.overwrite ?? false;
    const existing = overwrite === true ? undefined : await this.inner.stat(key, { signal: options.signal });
    if (overwrite === false && existing) throw new PreconditionFailedError('object already exists', ctx);
    if (typeof overwrite === 'object' && existing?.version !== overwrite.version) {
      throw new PreconditionFailedError(`object is not at version ${overwrite.version}`, ctx);
    }
    const digest = new DigestStream();
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    try {
      await pipeline(await source(), digest, sink, { signal: options.signal });
    } catch (err) {
      throw cancelledOr(err, options.signal);
    }
    if (options.sha256 !== undefined && options.sha256 !== digest.sha256) {
      throw new CorruptObjectError(`content sha256 ${digest.sha256} does not match the expected ${options.sha256}`, ctx);
    }
    if (options.size !== undefined && options.size !== digest.size) {
      throw new CorruptObjectError(`the source has ${digest.size} bytes, ${options.size} were announced`, ctx);
    }
    this.writes.push({ operation: 'put', key, size: digest.size, sha256: digest.sha256, overwrite });
    return {
      key,
      size: digest.size,
      version: DRY_RUN_VERSION,
      updated: new Date(this.now()),
      metadata: { ...options.metadata, [SHA256_METADATA_KEY]: digest.sha256 },
      sha256: digest.sha256,
    };
  }

  async remove(key: string, options: RemoveOptions): Promise<void> {
    throwIfAborted(options.signal);
    checkKey(key, 'remove', this.location);
    const ctx = { operation: 'remove' as const, location: this.location, key };
    const existing = await this.inner.stat(key, { signal: options.signal });
    if (!existing) throw new ObjectNotFoundError('no such object', ctx);
    if (options.ifVersion !== undefined && existing.version !== options.ifVersion) {
      throw new PreconditionFailedError(`object is not at version ${options.ifVersion}`, ctx);
    }
    this.writes.push({ operation: 'remove', key, ...(options.ifVersion === undefined ? {} : { ifVersion: options.ifVersion }) });
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
}
