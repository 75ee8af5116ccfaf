/**
 * Random-access reading of a snapshot archive in storage: the central directory is read from
 * the end of the object, then one entry at a time is streamed with ranged gets (see
 * range-reader.ts), so restoring one type never downloads the whole archive.
 *
 * Contract:
 * - A malformed zip (no end record, bad central directory, offsets outside the object) is an
 *   IntegrityError with `details.entry = 'archive'`; a problem with one entry (local header
 *   disagreeing with the central directory, unsupported method, duplicate name, CRC-32 or
 *   size mismatch at the end of its stream) is an IntegrityError naming that entry. A stream
 *   fails *before* it ends when its CRC-32 or size is wrong, so a consumer never sees a
 *   complete corrupted entry.
 * - Storage errors (not found, transient, cancelled) pass through unchanged.
 * - Entry contents are not checked against the manifest here; verify.ts does that.
 * - `openEntry`/`readEntry` give the bytes as stored. `openContent`/`readContent` give the
 *   entry's content: the stored bytes of a plaintext archive, or, for an encrypted one (format
 *   version 2), the age-decrypted plaintext, authenticated while it streams: a wrong identity or
 *   a changed ciphertext is an IntegrityError naming the entry; no identity at all is a usage
 *   error that asks for one.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { anySignal, throwIfAborted } from '../core/abort.js';
import { A0vaultError, CancelledError, IntegrityError, NotFoundError } from '../core/errors.js';
import type { StorageBackend } from '../storage/backend.js';
import { createDecryptStream, identityRequiredError, type AgeIdentities } from './encryption.js';
import { StorageRangeReader } from './range-reader.js';
import { checkCentralRecord, checkDataDescriptor, checkLocalHeader, dataDescriptorLength, localHeaderReadLength } from './zip-structure.js';

/** Subject used in errors and reports for problems with the archive as a whole. */
export const ARCHIVE_SUBJECT = 'archive';

export interface ArchiveEntryInfo {
  path: string;
  size: number;
  crc32: number;
  /** Position of the entry's local header in the archive. */
  offset: number;
}

export interface OpenArchiveOptions {
  storage: StorageBackend;
  key: string;
  signal: AbortSignal;
  /** Object size if already known (saves a stat). */
  size?: number;
  /** The archive's entries are age-encrypted (the manifest has `encryption`). */
  encrypted?: boolean;
  /** Identities that decrypt an encrypted archive's entries (openContent, readContent). */
  identities?: AgeIdentities;
}

function integrity(key: string, subject: string, message: string, cause?: unknown): IntegrityError {
  const where = subject === ARCHIVE_SUBJECT ? `archive ${key}` : `archive ${key}, entry ${subject}`;
  return new IntegrityError(`${where}: ${message}`, { cause, details: { entry: subject, key, problem: message } });
}

/** Our own errors pass through; anything else (yauzl, zlib) means the bytes are wrong. */
function asIntegrity(err: unknown, key: string, subject: string): unknown {
  if (err instanceof A0vaultError) return err;
  return integrity(key, subject, err instanceof Error ? err.message : String(err), err);
}

function readRange(reader: StorageRangeReader, position: number, length: number): Promise<Buffer> {
  const end = Math.min(reader.size, position + length);
  const buf = Buffer.alloc(Math.max(0, end - position));
  if (buf.length === 0) return Promise.resolve(buf);
  return new Promise<Buffer>((resolve, reject) => {
    reader.read(buf, 0, buf.length, position, (err) => (err ? reject(err) : resolve(buf)));
  });
}

export class ArchiveReader {
  private readonly byPath = new Map<string, Entry>();
  private readonly duplicated = new Set<string>();

  private constructor(
    readonly key: string,
    private readonly zip: ZipFile,
    private readonly reader: StorageRangeReader,
    private readonly signal: AbortSignal,
    private readonly ordered: Entry[],
    private readonly decryption: { encrypted: boolean; identities?: AgeIdentities },
  ) {
    for (const entry of ordered) {
      if (this.byPath.has(entry.fileName)) this.duplicated.add(entry.fileName);
      else this.byPath.set(entry.fileName, entry);
    }
  }

  /** Reads the central directory. NotFoundError when there is no object at `key`. */
  static async open(options: OpenArchiveOptions): Promise<ArchiveReader> {
    const { storage, key, signal } = options;
    throwIfAborted(signal);
    let size = options.size;
    if (size === undefined) {
      const info = await storage.stat(key, { signal });
      if (!info) throw new NotFoundError(`archive ${key} does not exist at ${storage.location}`, { details: { key } });
      size = info.size;
    }
    const reader = new StorageRangeReader(storage, key, size, signal);
    try {
      await reader.loadTail();
      const zip = await yauzl.fromRandomAccessReaderPromise(reader, size, {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: true,
        // sizes are checked per entry (checkFraming, EntryCheck), so one bad record does not
        // hide which entry it belongs to
        validateEntrySizes: false,
        strictFileNames: true,
      });
      const entries = await readCentralDirectory(zip);
      return new ArchiveReader(key, zip, reader, signal, entries, { encrypted: options.encrypted === true, identities: options.identities });
    } catch (err) {
      throw asIntegrity(err, key, ARCHIVE_SUBJECT);
    }
  }

  get size(): number {
    return this.reader.size;
  }

  /** Ranged gets issued so far (diagnostics and tests). */
  get fetched(): { gets: number; bytes: number } {
    return { gets: this.reader.gets, bytes: this.reader.bytesFetched };
  }

  /** Every entry in central directory order (duplicates included). */
  list(): ArchiveEntryInfo[] {
    return this.ordered.map((e) => ({ path: e.fileName, size: e.uncompressedSize, crc32: e.crc32, offset: e.relativeOffsetOfLocalHeader }));
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /** Paths that occur more than once in the central directory (never valid). */
  duplicates(): string[] {
    return [...this.duplicated];
  }

  /**
   * Streams the content of `path` (STORED bytes: gzip stays compressed). The stream errors with
   * an IntegrityError before its end if the CRC-32 or size disagrees with the central directory.
   */
  async openEntry(path: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const signal = anySignal([this.signal, options.signal]);
    throwIfAborted(signal);
    const entry = this.entry(path);
    const { dataStart } = await this.checkLocalHeader(entry);
    let raw: Readable;
    try {
      raw = this.reader.createReadStream({ start: dataStart, end: dataStart + entry.compressedSize });
    } catch (err) {
      throw asIntegrity(err, this.key, path);
    }
    const check = new EntryCheck(entry.uncompressedSize, entry.crc32, (problem) => integrity(this.key, path, problem));
    raw.on('error', (err) => check.destroy(asIntegrity(err, this.key, path) as Error));
    check.on('close', () => raw.destroy());
    const onAbort = () => check.destroy(new CancelledError('Operation cancelled', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    check.on('close', () => signal.removeEventListener('abort', onAbort));
    return raw.pipe(check);
  }

  /** The whole content of a small entry; IntegrityError if larger than `maxBytes`. */
  async readEntry(path: string, options: { maxBytes: number; signal?: AbortSignal }): Promise<Buffer> {
    const entry = this.entry(path);
    if (entry.uncompressedSize > options.maxBytes) throw integrity(this.key, path, `is ${entry.uncompressedSize} bytes, more than the ${options.maxBytes} expected`);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.openEntry(path, options)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** True when entries are age-encrypted (openContent decrypts them). */
  get encrypted(): boolean {
    return this.decryption.encrypted;
  }

  /**
   * Streams the content of `path`: as stored for a plaintext archive, decrypted (and
   * authenticated while streaming) for an encrypted one. See the module comment for errors.
   */
  async openContent(path: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    if (!this.decryption.encrypted) return this.openEntry(path, options);
    const identities = this.decryption.identities;
    if (!identities) throw identityRequiredError(`archive ${this.key}`);
    const stored = await this.openEntry(path, options);
    const plain = createDecryptStream(identities, { fail: (problem) => integrity(this.key, path, problem) });
    stored.on('error', (err) => plain.destroy(err));
    plain.on('close', () => stored.destroy());
    return stored.pipe(plain);
  }

  /** The whole content of a small entry (see openContent); IntegrityError past `maxBytes`. */
  async readContent(path: string, options: { maxBytes: number; signal?: AbortSignal }): Promise<Buffer> {
    if (!this.decryption.encrypted) return this.readEntry(path, options);
    const chunks: Buffer[] = [];
    let total = 0;
    const stream = await this.openContent(path, options);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > options.maxBytes) {
        stream.destroy();
        throw integrity(this.key, path, `holds more than the ${options.maxBytes} bytes expected`);
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  /**
   * Checks the entry's framing: its central directory record has the v1 values, and its local
   * header and data descriptor agree with that record. Throws an IntegrityError naming the
   * entry, listing the problems found.
   */
  async checkFraming(path: string): Promise<void> {
    const entry = this.entry(path);
    const central = checkCentralRecord(entry);
    if (central.length > 0) throw integrity(this.key, path, central.join('; '));
    const { dataStart } = await this.checkLocalHeader(entry);
    const length = dataDescriptorLength(entry);
    if (length === 0) return;
    let buf: Buffer;
    try {
      buf = await readRange(this.reader, dataStart + entry.compressedSize, length);
    } catch (err) {
      throw asIntegrity(err, this.key, path);
    }
    const problems = checkDataDescriptor(buf, entry);
    if (problems.length > 0) throw integrity(this.key, path, problems.join('; '));
  }

  close(): void {
    this.zip.close();
  }

  private entry(path: string): Entry {
    if (this.duplicated.has(path)) throw integrity(this.key, path, 'occurs more than once in the archive');
    const entry = this.byPath.get(path);
    if (!entry) throw integrity(this.key, path, 'is not in the archive');
    return entry;
  }

  private async checkLocalHeader(entry: Entry): Promise<{ dataStart: number }> {
    let buf: Buffer;
    try {
      buf = await readRange(this.reader, entry.relativeOffsetOfLocalHeader, localHeaderReadLength(entry));
    } catch (err) {
      throw asIntegrity(err, this.key, entry.fileName);
    }
    const { problems, dataStart } = checkLocalHeader(buf, entry);
    if (problems.length > 0) throw integrity(this.key, entry.fileName, problems.join('; '));
    if (dataStart + entry.compressedSize > this.reader.size) throw integrity(this.key, entry.fileName, 'data runs past the end of the archive');
    return { dataStart };
  }
}

function readCentralDirectory(zip: ZipFile): Promise<Entry[]> {
  return new Promise<Entry[]>((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** Pass-through that fails before 'end' when the CRC-32 or byte count is not as expected. */
class EntryCheck extends Transform {
  private crc = 0;
  private size = 0;

  constructor(
    private readonly expectedSize: number,
    private readonly expectedCrc: number,
    private readonly fail: (problem: string) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.size !== this.expectedSize) callback(this.fail(`content is ${this.size} bytes, the central directory says ${this.expectedSize}`));
    else if (this.crc >>> 0 !== this.expectedCrc >>> 0) callback(this.fail(`CRC-32 of the content is ${this.crc >>> 0}, the central directory says ${this.expectedCrc >>> 0}`));
    else callback();
  }
}
