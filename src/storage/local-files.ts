/**
 * File-level helpers for the local backend: where an object's sidecar, temp and lock files live,
 * durable small writes, directory fsync, and a per-key lock file for compare-and-swap.
 *
 * Layout for key `a/b/c.tar` under root R:
 *   R/a/b/c.tar                          the content, exactly the bytes that were put (0600)
 *   R/a/b/.a0vault-meta-c.tar.json       sidecar: sha256, size, inode, custom metadata (0600)
 *   R/a/b/.a0vault-tmp-<uuid>[.meta]     temp files of puts in progress
 *   R/a/b/.a0vault-lock-c.tar            held while a put replaces or a remove deletes c.tar
 * Directories are created 0700.
 */
import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/abort.js';
import { StorageError, type StorageOperation } from './backend.js';
import { RESERVED_PREFIX } from './keys.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** What the sidecar records about the content file it belongs to. */
export interface Sidecar {
  sha256: string;
  size: number;
  /** Inode of the content file: a sidecar whose inode differs describes some other content. */
  ino: string;
  metadata: Record<string, string>;
  contentType?: string;
}

export interface KeyPaths {
  dir: string;
  file: string;
  sidecar: string;
  lock: string;
}

export function pathsFor(root: string, key: string): KeyPaths {
  const segments = key.split('/');
  const base = segments.pop() ?? key;
  const dir = path.join(root, ...segments);
  return {
    dir,
    file: path.join(dir, base),
    sidecar: path.join(dir, `${RESERVED_PREFIX}meta-${base}.json`),
    lock: path.join(dir, `${RESERVED_PREFIX}lock-${base}`),
  };
}

export function tempPath(dir: string): string {
  return path.join(dir, `${RESERVED_PREFIX}tmp-${randomUUID()}`);
}

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Removes a file, ignoring "does not exist". */
export async function removeQuietly(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/** Writes `data` to a new file (must not exist), fsyncs it, and closes it. */
export async function writeDurably(file: string, data: string): Promise<void> {
  const fh = await open(file, 'wx', FILE_MODE);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a directory so a rename or link inside it survives a crash (no-op where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Windows cannot open or fsync directories; everything else is a real error.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes(errnoOf(err) ?? '')) throw err;
  } finally {
    await fh?.close();
  }
}

/** Reads a sidecar; undefined if it is missing or unreadable (the object then has no metadata). */
export async function readSidecar(file: string): Promise<Sidecar | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Sidecar>;
    if (typeof parsed.sha256 !== 'string' || typeof parsed.size !== 'number' || typeof parsed.ino !== 'string') return undefined;
    return { sha256: parsed.sha256, size: parsed.size, ino: parsed.ino, metadata: parsed.metadata ?? {}, contentType: parsed.contentType };
  } catch {
    return undefined;
  }
}

export interface LockOptions {
  clock: Clock;
  signal: AbortSignal;
  operation: StorageOperation;
  location: string;
  key: string;
  /** Give up (transient StorageError) after waiting this long. */
  waitMs: number;
  /** A lock file older than this is left over from a crash and may be broken. */
  staleMs: number;
}

/**
 * Runs `fn` while holding the lock file `lockFile` (created with O_EXCL). The lock is held only
 * for the few milliseconds a check-and-rename takes, never while content is being written.
 */
export async function withLockFile<T>(lockFile: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = options.clock.now() + options.waitMs;
  for (;;) {
    try {
      await writeDurably(lockFile, JSON.stringify({ pid: process.pid, at: options.clock.now() }));
      break;
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
    const held = await stat(lockFile).catch(() => undefined);
    if (held && options.clock.now() - held.mtimeMs > options.staleMs) {
      await removeQuietly(lockFile);
      continue;
    }
    if (options.clock.now() >= deadline) {
      throw new StorageError('key is locked by another writer', {
        operation: options.operation,
        location: options.location,
        key: options.key,
        transient: true,
      });
    }
    await options.clock.sleep(5, options.signal);
  }
  try {
    return await fn();
  } finally {
    await removeQuietly(lockFile);
  }
}
