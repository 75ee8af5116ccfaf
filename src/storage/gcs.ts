/**
 * Google Cloud Storage backend (`gs://bucket/prefix`), through @google-cloud/storage v7.
 *
 * Contract, beyond StorageBackend:
 * - A put reads its source twice: once to learn size, sha256, md5 and crc32c, then to upload.
 *   md5Hash and crc32c go into the object resource sent before the content, so GCS itself
 *   refuses to finalize an object whose bytes do not match (HTTP 400), and the client checks the
 *   crc32c GCS reports afterwards. sha256 is stored as custom metadata `sha256`. If the second
 *   read differs from the first, the upload is stopped before its last byte (CorruptObjectError).
 * - Objects up to `simpleUploadMaxBytes` go in one multipart request (client library). Larger
 *   ones use a resumable session: started through the client library (credentials,
 *   preconditions, hashes), then fed by ./gcs-resumable.ts in `chunkSize` chunks from one reused
 *   buffer. A chunk PUT that fails transiently (connection dropped, 408, 429, 5xx) is recovered
 *   in the same session: after a backoff on `clock`, the session is asked what it persisted and
 *   sending resumes from there (`uploadRetries` per chunk). This is what makes a single-pass put
 *   (an archive streamed once) survive a storage 503. A failed or cancelled resumable upload is
 *   never finalized; its session is cancelled best-effort.
 * - No overwrite: `ifGenerationMatch: 0`; compare-and-swap: `ifGenerationMatch: <version>`
 *   (version = generation). Remove with `ifVersion` uses the same precondition.
 * - Full reads are checked against GCS's crc32c by the client (CorruptObjectError at the end of
 *   the stream); ranged reads are not checked.
 * - The client's own retries are off; wrap the backend in RetryingBackend. Errors say whether a
 *   retry may help (StorageError.transient).
 * - Credentials come from Application Default Credentials; nothing here reads or prints them.
 */
import { Storage, type Bucket, type CreateResumableUploadOptions, type File, type FileMetadata } from '@google-cloud/storage';
import { createHash } from 'node:crypto';
import { Readable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemClock, throwIfAborted, type Clock } from '../core/abort.js';
import { CancelledError } from '../core/errors.js';
import {
  CorruptObjectError,
  PreconditionFailedError,
  StorageError,
  type CallOptions,
  type GetOptions,
  type ObjectInfo,
  type PutOptions,
  type RemoveOptions,
  type ReopenableSource,
  type StorageBackend,
} from './backend.js';
import { Crc32c, createCrc32cValidator } from './crc32c.js';
import { httpStatusOf, toStorageError, type GcsErrorContext } from './gcs-errors.js';
import { SessionUpload } from './gcs-resumable.js';
import { SHA256_METADATA_KEY, checkKey, checkPrefix, checkRange } from './keys.js';
import { VerifyingStream, cancelledOr, raceSignal } from './streams.js';

export interface GcsBackendOptions {
  bucket: string;
  /** Object-name prefix under which keys live: '' or ending in '/'. */
  prefix?: string;
  /** As shown to users; defaults to gs://bucket/prefix. */
  location?: string;
  projectId?: string;
  /** API endpoint (tests, private endpoints); production-shaped paths are appended to it. */
  endpoint?: string;
  /** Send credentials to a custom endpoint. Default: yes for https, no for plain http. */
  endpointAuth?: boolean;
  /** Resumable chunk size, a multiple of 256 KiB. Default 8 MiB. */
  chunkSize?: number;
  /** Largest object sent in one multipart request. Default 8 MiB. */
  simpleUploadMaxBytes?: number;
  /** Objects per list page (1..1000). Default 1000. */
  listPageSize?: number;
  /** A ready client (tests); otherwise one is built from the options above. */
  storage?: Storage;
  /** Time source of the backoff between resumable-chunk retries. Default the system clock. */
  clock?: Clock;
  /** Recoveries of one resumable chunk after a dropped connection or 408/429/5xx. Default 5. */
  uploadRetries?: number;
}

interface SourceDigest {
  size: number;
  sha256: string;
  md5: string;
  crc32c: string;
}

const MIB = 1024 * 1024;

/** Builds the client: no client-side retries, endpoint override, ADC for credentials. */
export function createGcsClient(options: Pick<GcsBackendOptions, 'projectId' | 'endpoint' | 'endpointAuth'>): Storage {
  const endpoint = options.endpoint?.replace(/\/+$/, '');
  return new Storage({
    projectId: options.projectId,
    ...(endpoint
      ? { apiEndpoint: endpoint, useAuthWithCustomEndpoint: options.endpointAuth ?? endpoint.startsWith('https:') }
      : {}),
    retryOptions: { autoRetry: false, maxRetries: 0, retryableErrorFn: () => false },
    crc32cGenerator: createCrc32cValidator,
  });
}

export class GcsBackend implements StorageBackend {
  readonly location: string;
  private readonly bucket: Bucket;
  private readonly prefix: string;
  private readonly chunkSize: number;
  private readonly simpleUploadMaxBytes: number;
  private readonly listPageSize: number;
  private readonly retry: { clock: Clock; maxRetries: number };

  constructor(options: GcsBackendOptions) {
    this.prefix = options.prefix ?? '';
    if (this.prefix !== '' && !this.prefix.endsWith('/')) this.prefix += '/';
    this.location = options.location ?? `gs://${options.bucket}/${this.prefix}`;
    this.bucket = (options.storage ?? createGcsClient(options)).bucket(options.bucket);
    this.chunkSize = options.chunkSize ?? 8 * MIB;
    this.simpleUploadMaxBytes = options.simpleUploadMaxBytes ?? 8 * MIB;
    this.listPageSize = options.listPageSize ?? 1000;
    this.retry = { clock: options.clock ?? systemClock, maxRetries: options.uploadRetries ?? 5 };
    if (this.chunkSize % (256 * 1024) !== 0) throw new RangeError('chunkSize must be a multiple of 256 KiB');
  }

  /**
   * Sources of unknown size and hash (e.g. an archive produced while it is uploaded) are read
   * ONCE: see putSinglePass. Others are read twice (hashes first, so GCS checks the content).
   */
  async put(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    throwIfAborted(options.signal);
    checkKey(key, 'put', this.location);
    if (options.size === undefined && options.sha256 === undefined) return this.putSinglePass(key, source, options);
    return this.putTwoPass(key, source, options);
  }

  /**
   * One pass over the source. Up to `simpleUploadMaxBytes` is buffered; a source that ends
   * there goes as one request with its hashes (same as a two-pass put). A longer one starts a
   * resumable session and streams `chunkSize` chunks with `bytes a-b/*`, hashing as it goes;
   * the last chunk declares the total and carries `X-Goog-Hash` (md5, crc32c), so GCS refuses to
   * finalize different bytes. sha256 is returned in ObjectInfo but not stored as metadata.
   */
  private async putSinglePass(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    const overwrite = options.overwrite ?? false;
    const ctx = this.putContext(key, options);
    const chunkSize = this.chunkSize;
    const buffer = Buffer.allocUnsafe(Math.max(chunkSize, this.simpleUploadMaxBytes));
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    const crc32c = new Crc32c();
    let filled = 0;
    let offset = 0;
    let sessionUri: string | undefined;
    let upload: SessionUpload | undefined;
    const file = this.bucket.file(this.prefix + key);
    const contentType = options.contentType ?? 'application/octet-stream';
    const preconditionOpts = overwrite === true ? undefined : { ifGenerationMatch: overwrite === false ? 0 : overwrite.version };
    try {
      const stream = addAbortSignal(options.signal, await source());
      for await (const raw of stream as AsyncIterable<Buffer | string>) {
        const piece = typeof raw === 'string' ? Buffer.from(raw) : raw;
        sha256.update(piece);
        md5.update(piece);
        crc32c.update(piece);
        let at = 0;
        while (at < piece.length) {
          if (upload === undefined && filled === buffer.length) {
            sessionUri = await startSession(file, { metadata: { contentType, metadata: { ...options.metadata } }, ...(preconditionOpts ? { preconditionOpts } : {}) }, options.signal);
            upload = new SessionUpload({ sessionUri, chunkSize, signal: options.signal, ctx, ...this.retry });
          }
          if (upload !== undefined && filled >= chunkSize) {
            // more data follows, so the buffered chunk is not the last one
            await upload.sendIntermediate(buffer, offset, chunkSize);
            buffer.copy(buffer, 0, chunkSize, filled);
            filled -= chunkSize;
            offset += chunkSize;
          }
          const n = Math.min(buffer.length - filled, piece.length - at);
          piece.copy(buffer, filled, at, at + n);
          filled += n;
          at += n;
        }
      }
      const whole = { total: offset + filled, md5: md5.digest('base64'), crc32c: crc32c.base64() };
      const digestSha = sha256.digest('hex');
      if (upload === undefined) {
        const content = Buffer.from(buffer.subarray(0, filled));
        return await this.putBuffered(key, content, { ...options, size: filled, sha256: digestSha });
      }
      const resource = (await upload.sendFinal(buffer, offset, filled, whole)) as FileMetadata;
      if (resource.md5Hash !== whole.md5 || resource.crc32c !== whole.crc32c) {
        throw new CorruptObjectError(`GCS stored different content (md5 ${String(resource.md5Hash)}, crc32c ${String(resource.crc32c)})`, ctx);
      }
      return { ...this.info(key, resource), sha256: digestSha };
    } catch (err) {
      if (sessionUri) await cancelSession(sessionUri);
      throw toStorageError(err, ctx);
    }
  }

  /**
   * A single-pass source that fit in memory: sent in one request, and sent again from memory
   * after a transient failure (the caller's source cannot be re-read), with the same budget and
   * backoff as a resumable chunk. "Already exists" after such a retry is success when the stored
   * object has this content's sha256 (the earlier attempt landed; only its answer was lost).
   */
  private async putBuffered(key: string, content: Buffer, options: PutOptions & { size: number; sha256: string }): Promise<ObjectInfo> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.putTwoPass(key, () => Readable.from([content]), options);
      } catch (err) {
        if (attempt > 0 && err instanceof PreconditionFailedError && (options.overwrite ?? false) === false) {
          const existing = await this.stat(key, options);
          if (existing?.sha256 === options.sha256 && existing.size === options.size) return existing;
        }
        if (!(err instanceof StorageError) || !err.transient || attempt >= this.retry.maxRetries || options.signal.aborted) throw err;
        await this.retry.clock.sleep(Math.min(16_000, 1000 * 2 ** attempt), options.signal);
      }
    }
  }

  private putContext(key: string, options: PutOptions): GcsErrorContext {
    return {
      operation: 'put',
      location: this.location,
      key,
      signal: options.signal,
      preconditionMessage: (options.overwrite ?? false) === false ? 'object already exists' : 'object is not at the expected version',
    };
  }

  private async putTwoPass(key: string, source: ReopenableSource, options: PutOptions): Promise<ObjectInfo> {
    const overwrite = options.overwrite ?? false;
    const ctx = this.putContext(key, options);
    let sessionUri: string | undefined;
    try {
      const digest = await digestSource(source, options.signal);
      const mismatch = options.size !== undefined && options.size !== digest.size
        ? `the source has ${digest.size} bytes, ${options.size} were announced`
        : options.sha256 !== undefined && options.sha256 !== digest.sha256
          ? `content sha256 ${digest.sha256} does not match the expected ${options.sha256}`
          : undefined;
      if (mismatch) throw new CorruptObjectError(mismatch, ctx);
      const file = this.bucket.file(this.prefix + key);
      const resumable = digest.size > this.simpleUploadMaxBytes;
      const contentType = options.contentType ?? 'application/octet-stream';
      const metadata: FileMetadata & { contentLength?: number } = {
        contentType,
        md5Hash: digest.md5,
        crc32c: digest.crc32c,
        metadata: { ...options.metadata, [SHA256_METADATA_KEY]: digest.sha256 },
        ...(resumable ? { contentLength: digest.size } : {}),
      };
      const preconditionOpts = overwrite === true ? undefined : { ifGenerationMatch: overwrite === false ? 0 : overwrite.version };
      const source2 = addAbortSignal(options.signal, await source());
      try {
        if (!resumable) {
          const upload = file.createWriteStream({ resumable: false, validation: 'crc32c', contentType, metadata, ...(preconditionOpts ? { preconditionOpts } : {}) });
          const verify = new VerifyingStream(digest.sha256, digest.size, (problem) => new CorruptObjectError(`the source changed between reads: ${problem}`, ctx));
          await pipeline(source2, verify, upload, { signal: options.signal });
          return this.info(key, file.metadata);
        }
        // Start the session first, so that a failure at any later point can cancel it.
        sessionUri = await startSession(file, { metadata, ...(preconditionOpts ? { preconditionOpts } : {}) }, options.signal);
        const upload = new SessionUpload({ sessionUri, total: digest.size, chunkSize: this.chunkSize, ...digest, signal: options.signal, ctx, ...this.retry });
        const resource = (await upload.send(source2)) as FileMetadata;
        if (resource.md5Hash !== digest.md5 || resource.crc32c !== digest.crc32c) {
          throw new CorruptObjectError(`GCS stored different content (md5 ${String(resource.md5Hash)}, crc32c ${String(resource.crc32c)})`, ctx);
        }
        return this.info(key, resource);
      } finally {
        source2.destroy();
      }
    } catch (err) {
      if (sessionUri) await cancelSession(sessionUri);
      throw toStorageError(err, ctx);
    }
  }

  async get<T>(key: string, consume: (stream: Readable) => Promise<T>, options: GetOptions): Promise<T> {
    throwIfAborted(options.signal);
    checkKey(key, 'get', this.location);
    const range = options.range;
    if (range) checkRange(range, 'get', this.location, key);
    const ctx: GcsErrorContext = { operation: 'get', location: this.location, key, signal: options.signal };
    const file = this.bucket.file(this.prefix + key);
    const stream = range
      ? file.createReadStream({ start: range.start, ...(range.end === undefined ? {} : { end: range.end }), validation: false })
      : file.createReadStream({ validation: 'crc32c' });
    let streamError: unknown;
    stream.on('error', (err) => (streamError ??= err));
    const onAbort = () => stream.destroy(new CancelledError('Operation cancelled', { cause: options.signal.reason }));
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await consume(stream);
      if (streamError !== undefined) throw streamError;
      return result;
    } catch (err) {
      const failure = streamError ?? err;
      if (range && httpStatusOf(failure) === 416) return await consume(Readable.from([]));
      if (streamError === undefined && !(err instanceof CancelledError) && !options.signal.aborted) throw err;
      throw toStorageError(cancelledOr(failure, options.signal), ctx);
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async stat(key: string, options: CallOptions): Promise<ObjectInfo | undefined> {
    throwIfAborted(options.signal);
    checkKey(key, 'stat', this.location);
    try {
      const [metadata] = await raceSignal(this.bucket.file(this.prefix + key).getMetadata(), options.signal);
      return this.info(key, metadata);
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw toStorageError(err, { operation: 'stat', location: this.location, key, signal: options.signal });
    }
  }

  async *list(prefix: string, options: CallOptions): AsyncIterable<ObjectInfo> {
    throwIfAborted(options.signal);
    checkPrefix(prefix, this.location);
    let pageToken: string | undefined;
    do {
      throwIfAborted(options.signal);
      let page;
      try {
        page = await raceSignal(
          this.bucket.getFiles({ prefix: this.prefix + prefix, maxResults: this.listPageSize, pageToken, autoPaginate: false }),
          options.signal,
        );
      } catch (err) {
        throw toStorageError(err, { operation: 'list', location: this.location, key: prefix, signal: options.signal });
      }
      const [files, nextQuery] = page;
      for (const file of files) {
        const key = file.name.slice(this.prefix.length);
        if (isListableKey(key)) yield this.info(key, file.metadata);
      }
      pageToken = (nextQuery as { pageToken?: string } | null | undefined)?.pageToken;
    } while (pageToken);
  }

  async remove(key: string, options: RemoveOptions): Promise<void> {
    throwIfAborted(options.signal);
    checkKey(key, 'remove', this.location);
    const file = this.bucket.file(this.prefix + key);
    try {
      await raceSignal(file.delete(options.ifVersion === undefined ? {} : { ifGenerationMatch: options.ifVersion }), options.signal);
    } catch (err) {
      throw toStorageError(err, {
        operation: 'remove',
        location: this.location,
        key,
        signal: options.signal,
        preconditionMessage: `object is not at version ${options.ifVersion ?? '?'}`,
      });
    }
  }

  private info(key: string, metadata: FileMetadata): ObjectInfo {
    const custom: Record<string, string> = {};
    for (const [name, value] of Object.entries(metadata.metadata ?? {})) {
      if (typeof value === 'string') custom[name] = value;
    }
    return {
      key,
      size: Number(metadata.size ?? 0),
      version: String(metadata.generation ?? ''),
      updated: new Date(String(metadata.updated ?? 0)),
      metadata: custom,
      sha256: custom[SHA256_METADATA_KEY],
    };
  }
}

/** One pass over the source: size and the three hashes GCS and we care about. */
async function digestSource(source: ReopenableSource, signal: AbortSignal): Promise<SourceDigest> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  const crc32c = new Crc32c();
  let size = 0;
  try {
    const stream = addAbortSignal(signal, await source());
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      sha256.update(buf);
      md5.update(buf);
      crc32c.update(buf);
      size += buf.length;
    }
  } catch (err) {
    throw cancelledOr(err, signal);
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('base64'), crc32c: crc32c.base64() };
}

/** Creates a resumable session; one that comes into being after a cancel is cancelled at once. */
async function startSession(file: File, options: CreateResumableUploadOptions, signal: AbortSignal): Promise<string> {
  const creating = file.createResumableUpload(options).then(([uri]) => uri);
  try {
    return await raceSignal(creating, signal);
  } catch (err) {
    if (signal.aborted) creating.then(cancelSession, () => undefined);
    throw err;
  }
}

/** Tells GCS to drop an unfinished resumable session (best effort; the URI itself authorizes). */
async function cancelSession(uri: string): Promise<void> {
  if (!/^https?:\/\//.test(uri)) return;
  try {
    await fetch(uri, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
  } catch {
    // the session expires on its own after a week
  }
}

/** Keys GCS may hold that are not ours to list: folder placeholders ("dir/") and the like. */
function isListableKey(key: string): boolean {
  return key !== '' && !key.endsWith('/') && !key.split('/').some((s) => s === '' || s === '.' || s === '..');
}
