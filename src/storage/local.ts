/**
 * Local filesystem backend (a plain path or `file:///…`; the default).
 *
 * Contract, beyond StorageBackend:
 * - Content files hold exactly the bytes that were put, at `<root>/<key>`, mode 0600, in
 *   directories created 0700; an object's sha256 and custom metadata sit in a sidecar file next
 *   to it (see ./local-files.ts). Files without a matching sidecar still list and read, with
 *   empty metadata and no hash check.
 * - A put writes a temp file in the target directory, fsyncs it, commits it with link()
 *   (no overwrite: atomic "create if absent", so exactly one concurrent creator wins) or
 *   rename() (overwrite), then fsyncs the directory. A put that fails or is cancelled removes its
 *   temp files: nothing is ever visible under the final key before the content is complete.
 * - Replacing puts and removes hold a short per-key lock file, so compare-and-swap against
 *   `version` (inode, mtime and size of the content file) is atomic among a0vault processes.
 * - Full reads are checked against the sidecar's sha256 and size: a changed byte on disk is
 *   reported as CorruptObjectError at the end of the stream. Ranged reads are not checked.
 * - A key cannot also be a directory of another key (`a` and `a/b`): the second put fails with a
 *   permanent StorageError ("a file is in the way"). Object stores have no such limit.
 * Empty directories left behind by removes are not deleted (a concurrent put may be using them).
 */
import { createWriteStream, type BigIntStats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemClock, throwIfAborted, type Clock } from '../core/abort.js';
import { CancelledError } from '../core/errors.js';
import {
  CorruptObjectError,
  ObjectNotFoundError,
  PreconditionFailedError,
  StorageError,
  type CallOptions,
  type GetOptions,
  type ObjectInfo,
  type PutOptions,
  type RemoveOptions,
  type ReopenableSource,
  type StorageBackend,
  type StorageOperation,
} from './backend.js';
import { RESERVED_PREFIX, SHA256_METADATA_KEY, checkKey, checkPrefix, checkRange, compareKeys } from './keys.js';
import {
  DIR_MODE,
  FILE_MODE,
  errnoOf,
  pathsFor,
  readSidecar,
  removeQuietly,
  syncDir,
  tempPath,
  withLockFile,
  writeDurably,
  type KeyPaths,
  type Sidecar,
} from './local-files.js';
import { DigestStream, VerifyingStream, cancelledOr } from './streams.js';

export interface LocalBackendOptions {
  /** Absolute directory holding the objects (created on first put). */
  root: string;
  /** As shown to users; defaults to the root path. */
  location?: string;
  clock?: Clock;
  lockWaitMs?: number;
  lockStaleMs?: number;
}

interface Ctx {
  operation: StorageOperation;
  location: string;
  key: string;
}

const TRANSIENT_ERRNOS = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EINTR']);
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

export class LocalBackend implements StorageBackend {
  readonly location: string;
  private readonly root: string;
  private readonly clock: Clock;
  private readonly lockWaitMs: number;
  private readonly lockStaleMs: number;

  constructor(options: LocalBackendOptions) {
    this.root = path.resolve(options.root);
    this.location = options.location ?? this.root;
    this.clock = options.clock ?? systemClock;
    this.lockWaitMs = options.lockWaitMs ?? 10_000;
    this.lockStaleMs = options.lockStaleMs ?? 60_000;
  }

  async put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    throwIfAborted(options.signal);
    checkKey(key, 'put', this.location);
    const ctx: Ctx = { operation: 'put', location: this.location, key };
    const paths = pathsFor(this.root, key);
    const temp = tempPath(paths.dir);
    const tempSidecar = `${temp}.meta`;
    let committed = false;
    try {
      await mkdir(paths.dir, { recursive: true, mode: DIR_MODE });
      const digest = new DigestStream();
      const out = createWriteStream(temp, { flags: 'wx', mode: FILE_MODE, flush: true });
      await pipeline(await source(), digest, out, { signal: options.signal });
      if (options.sha256 !== undefined && digest.sha256 !== options.sha256) {
        throw new CorruptObjectError(`content sha256 ${digest.sha256} does not match the expected ${options.sha256}`, ctx);
      }
      const written = await stat(temp, { bigint: true });
      const sidecar: Sidecar = {
        sha256: digest.sha256,
        size: digest.size,
        ino: String(written.ino),
        metadata: { ...options.metadata, [SHA256_METADATA_KEY]: digest.sha256 },
        contentType: options.contentType,
      };
      await writeDurably(tempSidecar, JSON.stringify(sidecar));
      throwIfAborted(options.signal);
      await this.commit(paths, temp, tempSidecar, options, ctx);
      committed = true;
    } catch (err) {
      throw this.wrap(err, ctx, options.signal);
    } finally {
      if (!committed) await Promise.all([removeQuietly(temp), removeQuietly(tempSidecar)]);
    }
    const info = await this.statPaths(paths, key).catch((err: unknown) => {
      throw this.wrap(err, ctx, options.signal);
    });
    if (!info) throw new StorageError('object vanished right after it was written', ctx);
    return info;
  }

  async get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T> {
    throwIfAborted(options.signal);
    checkKey(key, 'get', this.location);
    if (options.range) checkRange(options.range, 'get', this.location, key);
    const ctx: Ctx = { operation: 'get', location: this.location, key };
    const paths = pathsFor(this.root, key);
    let stream: Readable;
    try {
      const fh = await open(paths.file, 'r');
      try {
        const st = await fh.stat({ bigint: true });
        if (!st.isFile()) throw new ObjectNotFoundError('no such object (a directory is at this key)', ctx);
        const size = Number(st.size);
        const sidecar = await this.sidecarFor(paths, st);
        if (sidecar && sidecar.size !== size) {
          throw new CorruptObjectError(`file is ${size} bytes, ${sidecar.size} were written`, ctx);
        }
        stream = this.openStream(fh, size, sidecar, options, ctx);
      } catch (err) {
        await fh.close();
        throw err;
      }
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR' || errnoOf(err) === 'EISDIR') {
        throw new ObjectNotFoundError('no such object', ctx);
      }
      throw this.wrap(err, ctx, options.signal);
    }
    const onAbort = () => stream.destroy(new CancelledError('Operation cancelled', { cause: options.signal.reason }));
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await consume(stream);
    } catch (err) {
      throw cancelledOr(err, options.signal);
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined> {
    throwIfAborted(options.signal);
    checkKey(key, 'stat', this.location);
    try {
      return await this.statPaths(pathsFor(this.root, key), key);
    } catch (err) {
      throw this.wrap(err, { operation: 'stat', location: this.location, key }, options.signal);
    }
  }

  async *list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo> {
    throwIfAborted(options.signal);
    checkPrefix(prefix, this.location);
    const slash = prefix.lastIndexOf('/');
    try {
      yield* this.walk(prefix.slice(0, slash + 1), prefix.slice(slash + 1), options.signal);
    } catch (err) {
      throw this.wrap(err, { operation: 'list', location: this.location, key: prefix }, options.signal);
    }
  }

  async remove(key: string, options: RemoveOptions): Promise<void> {
    throwIfAborted(options.signal);
    checkKey(key, 'remove', this.location);
    const ctx: Ctx = { operation: 'remove', location: this.location, key };
    const paths = pathsFor(this.root, key);
    try {
      if (!(await this.statPaths(paths, key))) throw new ObjectNotFoundError('no such object', ctx);
      await withLockFile(paths.lock, this.lockOptions(ctx, options.signal), async () => {
        const current = await this.statPaths(paths, key);
        if (!current) throw new ObjectNotFoundError('no such object', ctx);
        if (options.ifVersion !== undefined && current.version !== options.ifVersion) {
          throw new PreconditionFailedError(`object is not at version ${options.ifVersion}`, ctx);
        }
        await unlink(paths.file);
        await removeQuietly(paths.sidecar);
      });
      await syncDir(paths.dir);
    } catch (err) {
      throw this.wrap(err, ctx, options.signal);
    }
  }

  /** Commits the temp files under the final key according to `overwrite`. */
  private async commit(paths: KeyPaths, temp: string, tempSidecar: string, options: PutOptions, ctx: Ctx): Promise<void> {
    const overwrite = options.overwrite ?? false;
    let linked = false;
    if (overwrite === false) {
      try {
        await link(temp, paths.file);
        linked = true;
      } catch (err) {
        if (errnoOf(err) === 'EEXIST') throw await this.existsError(paths, ctx);
        if (!NO_HARD_LINKS.has(errnoOf(err) ?? '')) throw err;
        // no hard links on this filesystem: fall back to check-and-rename under the key lock
      }
    }
    if (linked) {
      await rename(tempSidecar, paths.sidecar);
      await unlink(temp);
    } else {
      await withLockFile(paths.lock, this.lockOptions(ctx, options.signal), async () => {
        const current = await this.statPaths(paths, ctx.key);
        if (overwrite === false && current) throw new PreconditionFailedError('object already exists', ctx);
        if (typeof overwrite === 'object' && current?.version !== overwrite.version) {
          throw new PreconditionFailedError(`object is not at version ${overwrite.version}`, ctx);
        }
        await rename(temp, paths.file);
        await rename(tempSidecar, paths.sidecar);
      });
    }
    await syncDir(paths.dir);
  }

  private async existsError(paths: KeyPaths, ctx: Ctx): Promise<StorageError> {
    const st = await lstat(paths.file).catch(() => undefined);
    if (st?.isDirectory()) return new StorageError('a directory is in the way of this key', ctx);
    return new PreconditionFailedError('object already exists', ctx);
  }

  private openStream(
    fh: FileHandle,
    size: number,
    sidecar: Sidecar | undefined,
    options: GetOptions,
    ctx: Ctx,
  ): Readable {
    const range = options.range;
    if (range) {
      const end = Math.min(range.end ?? size - 1, size - 1);
      if (range.start > end) {
        void fh.close();
        return Readable.from([]);
      }
      return fh.createReadStream({ start: range.start, end });
    }
    const raw = fh.createReadStream();
    if (!sidecar) return raw;
    const verify = new VerifyingStream(sidecar.sha256, sidecar.size, (problem) => new CorruptObjectError(`content changed on disk: ${problem}`, ctx));
    raw.on('error', (err) => verify.destroy(err));
    verify.on('close', () => raw.destroy());
    return raw.pipe(verify);
  }

  private async sidecarFor(paths: KeyPaths, st: BigIntStats): Promise<Sidecar | undefined> {
    const sidecar = await readSidecar(paths.sidecar);
    return sidecar && sidecar.ino === String(st.ino) ? sidecar : undefined;
  }

  private async statPaths(paths: KeyPaths, key: string): Promise<ObjectInfo | undefined> {
    let st: BigIntStats;
    try {
      st = await stat(paths.file, { bigint: true });
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    if (!st.isFile()) return undefined;
    const sidecar = await this.sidecarFor(paths, st);
    return {
      key,
      size: Number(st.size),
      version: `${st.ino}-${st.mtimeNs}-${st.size}`,
      updated: new Date(Number(st.mtimeMs)),
      metadata: { ...sidecar?.metadata },
      sha256: sidecar?.sha256,
    };
  }

  private async *walk(dirKey: string, namePrefix: string, signal: AbortSignal): AsyncGenerator<ObjectInfo> {
    const dir = path.join(this.root, ...dirKey.split('/').filter(Boolean));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return;
      throw err;
    }
    const items = entries
      .filter((e) => (e.isFile() || e.isDirectory()) && e.name.startsWith(namePrefix) && isKeySegment(e.name))
      .map((e) => ({ name: e.name, isDir: e.isDirectory(), sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const item of items) {
      throwIfAborted(signal);
      const key = dirKey + item.name;
      if (item.isDir) {
        yield* this.walk(`${key}/`, '', signal);
      } else {
        const info = await this.statPaths(pathsFor(this.root, key), key);
        if (info) yield info;
      }
    }
  }

  private lockOptions(ctx: Ctx, signal: AbortSignal) {
    return { ...ctx, clock: this.clock, signal, waitMs: this.lockWaitMs, staleMs: this.lockStaleMs };
  }

  private wrap(err: unknown, ctx: Ctx, signal: AbortSignal): unknown {
    const e = cancelledOr(err, signal);
    if (e instanceof StorageError || e instanceof CancelledError) return e;
    const errno = errnoOf(e);
    const message = errno === 'ENOTDIR' || errno === 'EEXIST' ? 'a file is in the way of this key' : (e as Error).message;
    return new StorageError(message, { ...ctx, cause: e, transient: TRANSIENT_ERRNOS.has(errno ?? '') });
  }
}

function isKeySegment(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !name.startsWith(RESERVED_PREFIX) && name !== '.' && name !== '..' && !/[\u0000-\u001f\u007f\\]/.test(name);
}
