/**
 * Object keys as every backend accepts them, so that the same key means the same thing on
 * local disk, in memory and in GCS.
 *
 * A key is a relative, '/'-separated path: not empty, at most 1,024 UTF-8 bytes, no empty,
 * '.' or '..' segment, no backslash or control character, and no segment starting with
 * `.a0vault-` (reserved for the local backend's temp, lock and metadata files).
 * Keys sort by their UTF-8 bytes (as GCS lists them), not by UTF-16 code units.
 */
import { StorageError, type ByteRange, type StorageOperation } from './backend.js';

/** Name prefix reserved for the backends' own bookkeeping files. */
export const RESERVED_PREFIX = '.a0vault-';

/** Custom metadata key under which backends store the hex sha256 of the content. */
export const SHA256_METADATA_KEY = 'sha256';

const MAX_KEY_BYTES = 1024;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\]/;

function problemWith(key: string, allowTrailingSlash: boolean): string | undefined {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  if (FORBIDDEN_CHARS.test(key)) return 'contains a backslash or control character';
  if (key.startsWith('/')) return 'starts with /';
  const segments = key.split('/');
  if (allowTrailingSlash && segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  for (const segment of segments) {
    if (segment === '') return 'has an empty path segment';
    if (segment === '.' || segment === '..') return 'has a . or .. segment';
    if (segment.startsWith(RESERVED_PREFIX)) return `has a segment starting with ${RESERVED_PREFIX}`;
  }
  return undefined;
}

/** Throws a non-transient StorageError if `key` is not a valid object key. */
export function checkKey(key: string, operation: StorageOperation, location: string): void {
  const problem = key === '' ? 'is empty' : problemWith(key, false);
  if (problem) {
    throw new StorageError(`invalid key (${problem})`, { operation, location, key: JSON.stringify(key) });
  }
}

/** Throws if `prefix` could not start any valid key. The empty prefix (everything) is valid. */
export function checkPrefix(prefix: string, location: string): void {
  if (prefix === '') return;
  const problem = problemWith(prefix, true);
  if (problem) {
    throw new StorageError(`invalid prefix (${problem})`, { operation: 'list', location, key: JSON.stringify(prefix) });
  }
}

/** Orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Throws unless `range` is well formed (0 <= start <= end). A range that starts at or past the
 * end of an object is valid and reads nothing; an end past the object's end is clamped.
 */
export function checkRange(range: ByteRange, operation: StorageOperation, location: string, key: string): void {
  const ok =
    Number.isSafeInteger(range.start) &&
    range.start >= 0 &&
    (range.end === undefined || (Number.isSafeInteger(range.end) && range.end >= range.start));
  if (!ok) throw new StorageError(`invalid byte range ${JSON.stringify(range)}`, { operation, location, key });
}
