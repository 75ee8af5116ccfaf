/**
 * What the conformance suite needs from each backend under test, and shared test helpers:
 * deterministic generated content (hashed while streaming, never buffered whole), a clock that
 * never really sleeps, and a fault-injecting wrapper for backends without a network.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Clock } from '../../src/core/abort.js';
import { CancelledError } from '../../src/core/errors.js';
import {
  StorageError,
  type CallOptions,
  type GetOptions,
  type ObjectInfo,
  type PutOptions,
  type RemoveOptions,
  type ReopenableSource,
  type StorageBackend,
} from '../../src/storage/backend.js';

export type FaultOperation = 'put' | 'get' | 'list';

export interface StorageHarness {
  backend: StorageBackend;
  /** How many times one put opens its source (GCS hashes first, then uploads: 2). */
  sourceReads: number;
  /** Makes the next full read of `key` see one changed byte (at rest or in transit). */
  corrupt(key: string): Promise<void>;
  /** The next `times` calls of `operation` fail with a transient error. */
  injectTransient(operation: FaultOperation, times: number): Promise<void>;
  /** The next put of `key` fails with a permanent error. */
  injectPermanent(key: string): Promise<void>;
  /** Anything a failed put may have left behind (temp files, unfinished objects). */
  leftovers(): Promise<string[]>;
  /** How the permanent fault is expected to read (a fragment of the message). */
  permanentMessage: RegExp;
  close(): Promise<void>;
}

const MIB = 1024 * 1024;

/** A reopenable source of `size` pseudo-random bytes determined by `seed` (AES-256-CTR of zeros). */
export function generated(seed: string, size: number, chunkSize = MIB): ReopenableSource {
  return () => generatedStream(seed, size, chunkSize);
}

export function generatedStream(seed: string, size: number, chunkSize = MIB, stallAfter?: { bytes: number; onStall: () => void }): Readable {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  let produced = 0;
  let stalled = false;
  return new Readable({
    read() {
      if (stalled) return;
      if (stallAfter && produced >= stallAfter.bytes) {
        stalled = true;
        stallAfter.onStall();
        return;
      }
      if (produced >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(chunkSize, size - produced);
      produced += n;
      this.push(cipher.update(zeros.subarray(0, n)));
    },
  });
}

/** sha256 and size of a stream, hashed chunk by chunk. */
export async function digestOf(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function digestOfSource(source: ReopenableSource): Promise<{ sha256: string; size: number }> {
  return digestOf(await source());
}

export function bytes(text: string): ReopenableSource {
  return () => Readable.from([Buffer.from(text)]);
}

export async function readText(backend: StorageBackend, key: string, options: GetOptions): Promise<string> {
  return backend.get(
    key,
    async (stream) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
    options,
  );
}

export async function listKeys(backend: StorageBackend, prefix: string, options: CallOptions): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of backend.list(prefix, options)) keys.push(info.key);
  return keys;
}

/** A clock whose sleeps end at once; it records every requested delay. */
export class InstantClock implements Clock {
  readonly sleeps: number[] = [];
  private current = 1_700_000_000_000;
  now(): number {
    return this.current;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
    this.sleeps.push(ms);
    this.current += ms;
  }
}

/**
 * Wraps a backend that has no network to fail: the next N calls of an operation throw a
 * StorageError (transient or not) before reaching the real backend. Used for memory and local,
 * where a real transient fault (EBUSY, EAGAIN) cannot be provoked on demand.
 */
export class FaultyBackend implements StorageBackend {
  readonly location: string;
  private readonly pending: Array<{ operation: FaultOperation; key?: string; transient: boolean; left: number }> = [];

  constructor(private readonly inner: StorageBackend) {
    this.location = inner.location;
  }

  failNext(operation: FaultOperation, times: number, transient: boolean, key?: string): void {
    this.pending.push({ operation, key, transient, left: times });
  }

  private maybeFail(operation: FaultOperation, key: string): void {
    const rule = this.pending.find((r) => r.operation === operation && r.left > 0 && (r.key === undefined || r.key === key));
    if (!rule) return;
    rule.left--;
    const message = rule.transient ? 'injected transient fault' : 'injected permanent fault';
    throw new StorageError(message, { operation, location: this.location, key, transient: rule.transient });
  }

  async put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    this.maybeFail('put', key);
    return this.inner.put(key, source, options);
  }

  async get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T> {
    this.maybeFail('get', key);
    return this.inner.get(key, consume, options);
  }

  stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key, options);
  }

  async *list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo> {
    let yielded = 0;
    for await (const info of this.inner.list(prefix, options)) {
      // fail part-way through, after the first object, so resumption is exercised
      if (yielded === 1) this.maybeFail('list', prefix);
      yielded++;
      yield info;
    }
  }

  remove(key: string, options: RemoveOptions): Promise<void> {
    return this.inner.remove(key, options);
  }
}
