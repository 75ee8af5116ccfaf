/**
 * The storage interface every backend (local, gcs, memory) implements, and the errors it raises.
 *
 * Contract (checked by the conformance suite in test/storage/):
 * - Every call takes an AbortSignal; nothing starts after it aborts, and an aborted put leaves
 *   nothing visible under the key.
 * - `put` takes a *reopenable* source: a function that returns a fresh stream each time it is
 *   called, so a retrying decorator can re-read the content.
 * - `put` never overwrites unless asked: by default the key must not exist (`overwrite: false`),
 *   and exactly one of several concurrent creators wins; the others get `AlreadyExistsError`.
 *   `overwrite: { version }` is compare-and-swap against `ObjectInfo.version` (used by locks).
 * - `get` hands a fresh stream to `consume`; `consume` may run more than once if a decorator
 *   retries, so it must not keep side effects from an earlier, failed attempt.
 * - A byte corrupted in storage or in transit is detected where the backend can (hashes on
 *   GCS); callers verify sha256 of archive entries themselves (archive/verify).
 * - Failures are `StorageError`s naming the operation and the (credential-free) location;
 *   `transient` says whether a retry may help.
 */
import type { Readable } from 'node:stream';
import { A0vaultError, type A0vaultErrorOptions } from '../core/errors.js';

export interface ObjectInfo {
  key: string;
  size: number;
  /** Opaque version token: GCS generation, or a local content token. Used for compare-and-swap. */
  version: string;
  updated: Date;
  /** Custom metadata stored with the object (string values only). */
  metadata: Record<string, string>;
  /** Hex sha256 of the content, when the backend recorded it at write time. */
  sha256?: string;
}

/** Returns a fresh stream of the content each time it is called. */
export type ReopenableSource = () => Readable | Promise<Readable>;

export interface CallOptions {
  signal: AbortSignal;
}

export interface PutOptions extends CallOptions {
  metadata?: Record<string, string>;
  contentType?: string;
  /** Size in bytes, if known in advance (lets a backend choose simple vs resumable upload). */
  size?: number;
  /** false (default): fail if the key exists. true: replace. { version }: replace only that version. */
  overwrite?: boolean | { version: string };
  /**
   * Hex sha256 of the content, if the caller already knows it. The backend checks the bytes it
   * writes against it and commits nothing on a mismatch (CorruptObjectError).
   */
  sha256?: string;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive; omitted = to the end. */
  end?: number;
}

export interface GetOptions extends CallOptions {
  range?: ByteRange;
}

export interface RemoveOptions extends CallOptions {
  /** Remove only if the object is still at this version. */
  ifVersion?: string;
}

export interface StorageBackend {
  /** The location as shown to users: never contains credentials. */
  readonly location: string;
  put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo>;
  get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T>;
  /** Resolves undefined when the key does not exist. */
  stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in lexicographic key order, fetched lazily. */
  list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo>;
  remove(key: string, options: RemoveOptions): Promise<void>;
}

export type StorageOperation = 'put' | 'get' | 'stat' | 'list' | 'remove' | 'open';

export interface StorageErrorOptions extends A0vaultErrorOptions {
  operation: StorageOperation;
  location: string;
  key?: string;
  /** True when retrying the same call may succeed (429, 5xx, connection reset, timeout). */
  transient?: boolean;
}

export class StorageError extends A0vaultError {
  readonly operation: StorageOperation;
  readonly location: string;
  readonly key: string | undefined;
  readonly transient: boolean;

  constructor(message: string, options: StorageErrorOptions) {
    super('storage', `${options.operation} ${options.key ?? ''} at ${options.location}: ${message}`.replace('  ', ' '), options);
    this.name = 'StorageError';
    this.operation = options.operation;
    this.location = options.location;
    this.key = options.key;
    this.transient = options.transient ?? false;
  }
}

/** The key already exists (put without overwrite), or the version did not match. */
export class PreconditionFailedError extends StorageError {
  constructor(message: string, options: StorageErrorOptions) {
    super(message, { ...options, transient: false });
    this.name = 'PreconditionFailedError';
  }
}

/** The key does not exist (get, remove). */
export class ObjectNotFoundError extends StorageError {
  constructor(message: string, options: StorageErrorOptions) {
    super(message, { ...options, transient: false });
    this.name = 'ObjectNotFoundError';
  }
}

/** Data read back does not match what was stored (hash mismatch in transit or at rest). */
export class CorruptObjectError extends StorageError {
  constructor(message: string, options: StorageErrorOptions) {
    super(message, { ...options, transient: false });
    this.name = 'CorruptObjectError';
  }
}

/**
 * The storage refuses to delete or replace the object because a retention policy (or hold) still
 * protects it (GCS: 403 `retentionPolicyNotMet`). Permanent until `retainUntil`, when known.
 */
export class ObjectProtectedError extends StorageError {
  readonly retainUntil: Date | undefined;

  constructor(message: string, options: StorageErrorOptions & { retainUntil?: Date }) {
    super(message, { ...options, transient: false });
    this.name = 'ObjectProtectedError';
    this.retainUntil = options.retainUntil;
  }
}
