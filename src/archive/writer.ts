/**
 * Writes one snapshot archive (a ZIP) as a single stream straight into `storage.put`.
 *
 * Algorithm: an `archiver` zip stream (every entry STORED: entries are gzip NDJSON or small
 * text; zip64 records are added automatically for entries or offsets past 4 GiB) is piped
 * through a HashingStream into one `put` that starts when the writer is created. Each added
 * entry flows through its own HashingStream (sha256, size, optional NDJSON record count) into
 * the zip. Memory stays flat: only stream buffers are held, whatever the entry sizes.
 *
 * Contract:
 * - `addEntry` calls run one at a time (await each); an entry is complete when it resolves.
 * - Any failure (a source stream error, the storage put failing, the signal aborting, `abort()`)
 *   fails the whole writer: the put is cancelled, so nothing becomes visible under the key
 *   (the StorageBackend contract), and every later call rejects with that first error.
 * - The archive bytes are produced once. The put source may be opened again (a retrying
 *   decorator) only while no byte has been read; after that, reopening throws a non-transient
 *   storage error, so a failed upload means running the snapshot again (docs/archive-format.md,
 *   "Retries"). Backends with resumable uploads retry inside one put.
 * - `finish()` resolves once the object is stored, with the entry table and the archive's size
 *   and sha256 (as streamed, checked against what the backend reports).
 */
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';
import type { Archiver, EntryData, ZipOptions } from 'archiver';
import { throwIfAborted } from '../core/abort.js';
import { A0vaultError, CancelledError, IntegrityError } from '../core/errors.js';
import type { ObjectInfo, ReopenableSource, StorageBackend } from '../storage/backend.js';
import { HashingStream } from './hashing.js';
import { createEncryptStream, ENCRYPTION_SCHEME, type AgeRecipients } from './encryption.js';
import { entryPathProblem } from './layout.js';
import type { ManifestEncryption, ManifestEntry } from './manifest.js';

// archiver 7 exports a factory function (CommonJS); @types/archiver describes the class-based
// v8 API, so the factory is loaded untyped and given the v8 instance type, which matches v7's.
const createZip = createRequire(import.meta.url)('archiver') as (format: 'zip', options: ZipOptions) => Archiver;

/** DOS epoch: the default entry time, so the same content gives the same archive bytes. */
export const DEFAULT_ENTRY_TIME = new Date('1980-01-01T00:00:00Z');
const ENTRY_MODE = 0o644;

export interface ArchiveWriterOptions {
  storage: StorageBackend;
  key: string;
  signal: AbortSignal;
  /** Modification time stored for every entry (default DEFAULT_ENTRY_TIME). */
  entryTime?: Date;
  /**
   * Encrypt every entry's content to these age recipients (format version 2): the stored
   * bytes, and so the entry's size and sha256, are the ciphertext; records count the plaintext.
   */
  encryptTo?: AgeRecipients;
}

export type EntrySource = Readable | AsyncIterable<Uint8Array | string> | Buffer | string;

export interface AddEntryOptions {
  contentType?: string;
  /**
   * NDJSON record count for the manifest: 'count' counts non-empty lines while streaming
   * (gunzipping `.gz` entries on the side); a function is called after the entry's last byte
   * (e.g. `records` of createNdjsonGzipStream).
   */
  records?: 'count' | (() => number);
}

export interface ArchiveWriteResult {
  key: string;
  size: number;
  sha256: string;
  entries: ManifestEntry[];
  object: ObjectInfo;
  /** Present when the entries were encrypted (`encryptTo`): goes into the manifest. */
  encryption?: ManifestEncryption;
}

export interface ArchiveWriter {
  addEntry(path: string, source: EntrySource, options?: AddEntryOptions): Promise<ManifestEntry>;
  finish(): Promise<ArchiveWriteResult>;
  /** Fails the writer (nothing is stored) and waits for the put to settle. */
  abort(reason?: unknown): Promise<void>;
}

function toReadable(source: EntrySource): Readable {
  if (source instanceof Readable) return source;
  if (typeof source === 'string' || Buffer.isBuffer(source)) return Readable.from([Buffer.from(source)]);
  return Readable.from(source);
}

/** Starts the put immediately; see the module comment for the contract. */
export function createArchiveWriter(options: ArchiveWriterOptions): ArchiveWriter {
  const { storage, key } = options;
  throwIfAborted(options.signal);
  const entryTime = options.entryTime ?? DEFAULT_ENTRY_TIME;
  const controller = new AbortController();
  const signal = AbortSignal.any([options.signal, controller.signal]);
  const zip = createZip('zip', { store: true });
  const out = new HashingStream();
  const entries: ManifestEntry[] = [];
  const paths = new Set<string>();
  let failure: unknown;
  let busy = false;
  let finishing = false;
  let rejectFailed: (err: unknown) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => undefined);

  const fail = (err: unknown): unknown => {
    if (failure !== undefined) return failure;
    failure = signal.aborted && !controller.signal.aborted ? new CancelledError('Operation cancelled', { cause: options.signal.reason }) : err;
    controller.abort(failure);
    // destroy before archiver can end the stream: a truncated zip must never look complete
    out.destroy(failure instanceof Error ? failure : new Error(String(failure)));
    zip.unpipe(out);
    zip.abort();
    rejectFailed(failure);
    return failure;
  };

  const onCallerAbort = () => fail(new CancelledError('Operation cancelled', { cause: options.signal.reason }));
  options.signal.addEventListener('abort', onCallerAbort, { once: true });
  zip.on('error', (err) => fail(new A0vaultError('internal', `zip writer failed: ${err.message}`, { cause: err })));
  zip.on('warning', (err) => fail(new A0vaultError('internal', `zip writer warning: ${err.message}`, { cause: err })));
  zip.pipe(out);
  // errors of the output are reported through fail(); the put's reader may have detached
  out.on('error', () => undefined);

  const source: ReopenableSource = () => {
    if (failure !== undefined) throw failure;
    if (out.readableDidRead || out.destroyed) {
      throw new A0vaultError('storage', `archive ${key} is produced once, as a stream, and cannot be re-read for a retry; run the snapshot again`, {
        details: { key, transient: false },
      });
    }
    return out;
  };
  const put = storage.put(key, source, { signal, contentType: 'application/zip' });
  put.catch((err: unknown) => fail(err));

  const guard = (what: string): void => {
    if (failure !== undefined) throw failure;
    if (finishing) throw new A0vaultError('internal', `${what} after finish()`);
    if (busy) throw new A0vaultError('internal', `${what} while another entry is being added: await each addEntry`);
  };

  const entryDone = (path: string): Promise<void> =>
    new Promise<void>((resolve) => {
      const onEntry = (data: EntryData) => {
        if (data.name !== path) return;
        zip.off('entry', onEntry);
        resolve();
      };
      zip.on('entry', onEntry);
    });

  return {
    async addEntry(path, input, entryOptions = {}) {
      guard('addEntry');
      const problem = entryPathProblem(path);
      if (problem) throw new A0vaultError('internal', `invalid archive entry path ${JSON.stringify(path)}: ${problem}`);
      if (paths.has(path)) throw new A0vaultError('internal', `archive entry ${path} added twice`);
      paths.add(path);
      busy = true;
      try {
        const counting = entryOptions.records === 'count' ? (path.endsWith('.gz') ? 'gzip' : 'plain') : undefined;
        const encryptTo = options.encryptTo;
        // encrypted: records are counted on the plaintext, sha256 and size on the ciphertext
        const plain = encryptTo && counting ? new HashingStream({ countRecords: counting }) : undefined;
        const hasher = new HashingStream(counting && !encryptTo ? { countRecords: counting } : {});
        const done = entryDone(path);
        const piped = encryptTo
          ? pipeline(toReadable(input), plain ?? new PassThrough(), createEncryptStream(encryptTo), hasher, { signal })
          : pipeline(toReadable(input), hasher, { signal });
        piped.catch(() => undefined);
        zip.append(hasher, { name: path, date: entryTime, mode: ENTRY_MODE, store: true } as EntryData);
        try {
          await Promise.race([Promise.all([piped, done]), failed]);
        } catch (err) {
          const cause = failure ?? err;
          throw fail(cause instanceof A0vaultError ? cause : new A0vaultError('internal', `archive entry ${path} could not be written`, { cause, details: { entry: path } }));
        }
        const result = hasher.result();
        const records = entryOptions.records === 'count' ? (plain ?? hasher).result().records : entryOptions.records?.();
        const entry: ManifestEntry = {
          path,
          size: result.size,
          sha256: result.sha256,
          ...(records === undefined ? {} : { records }),
          ...(entryOptions.contentType ? { contentType: entryOptions.contentType } : {}),
        };
        entries.push(entry);
        return entry;
      } finally {
        busy = false;
      }
    },

    async finish() {
      guard('finish');
      finishing = true;
      let object: ObjectInfo;
      try {
        const finalized = zip.finalize();
        finalized.catch(() => undefined);
        [, object] = await Promise.race([Promise.all([finalized, put]), failed]);
      } catch (err) {
        throw fail(failure ?? err);
      } finally {
        options.signal.removeEventListener('abort', onCallerAbort);
      }
      const { size, sha256 } = out.result();
      if (object.size !== size || (object.sha256 !== undefined && object.sha256 !== sha256)) {
        throw new IntegrityError(`archive ${key}: stored ${object.size} bytes (sha256 ${object.sha256 ?? 'unknown'}), but wrote ${size} bytes (sha256 ${sha256})`, {
          details: { entry: 'archive', key },
        });
      }
      const encryption = options.encryptTo ? { encryption: { scheme: ENCRYPTION_SCHEME, recipients: options.encryptTo.count } as const } : {};
      return { key, size, sha256, entries: [...entries], object, ...encryption };
    },

    async abort(reason) {
      options.signal.removeEventListener('abort', onCallerAbort);
      fail(reason ?? new CancelledError('archive writing aborted'));
      await put.catch(() => undefined);
    },
  };
}
