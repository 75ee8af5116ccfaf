/**
 * Streaming NDJSON: write an async iterable of objects as gzip-compressed NDJSON with
 * backpressure (objects are pulled only as fast as the consumer reads), and read one back as an
 * async iterable. Neither ever holds more than a batch of lines in memory.
 *
 * Records are non-empty lines (hashing.ts RecordCounter uses the same rule), one JSON value each.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { throwIfAborted } from '../core/abort.js';
import { IntegrityError } from '../core/errors.js';

const BATCH_BYTES = 64 * 1024;

export interface NdjsonGzipStream {
  /** gzip bytes; fails if the source fails or the signal aborts. */
  stream: Readable;
  /** Records written so far; final once `stream` has ended. */
  records(): number;
}

/**
 * Serialises `source` as NDJSON (one `JSON.stringify` per line), gzip-compressed. `undefined`
 * values and functions cannot be serialised and make the stream fail.
 */
export function createNdjsonGzipStream(source: AsyncIterable<unknown> | Iterable<unknown>, options: { signal: AbortSignal; level?: number }): NdjsonGzipStream {
  let count = 0;
  const { signal } = options;
  async function* lines(): AsyncGenerator<Buffer> {
    let batch: string[] = [];
    let batchBytes = 0;
    for await (const value of source) {
      throwIfAborted(signal);
      const line = JSON.stringify(value);
      if (typeof line !== 'string') throw new TypeError(`record ${count + 1} cannot be serialised as JSON`);
      batch.push(line, '\n');
      batchBytes += line.length + 1;
      count++;
      if (batchBytes >= BATCH_BYTES) {
        yield Buffer.from(batch.join(''), 'utf8');
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length > 0) yield Buffer.from(batch.join(''), 'utf8');
  }
  const gzip = createGzip({ level: options.level ?? 6 });
  pipeline(Readable.from(lines()), gzip, { signal }).catch((err: unknown) => gzip.destroy(err as Error));
  return { stream: gzip, records: () => count };
}

export interface ReadNdjsonOptions {
  signal: AbortSignal;
  /** Named in errors (e.g. the archive entry path). */
  name?: string;
  /** A longer line is an IntegrityError (default 16 MiB). */
  maxLineBytes?: number;
  /** Set to false for plain (not gzip-compressed) NDJSON. */
  gzip?: boolean;
}

/**
 * Parses NDJSON (gzip-compressed unless `gzip: false`) from `stream`, one value per record.
 * Invalid gzip, invalid JSON or an over-long line is an IntegrityError naming `name` and the
 * line number. Stopping the iteration early destroys the stream.
 */
export async function* readNdjson(stream: Readable, options: ReadNdjsonOptions): AsyncGenerator<unknown> {
  const name = options.name ?? 'ndjson';
  const maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
  let source: AsyncIterable<Buffer> = stream;
  let done: Promise<void> | undefined;
  if (options.gzip !== false) {
    const gunzip = createGunzip();
    done = pipeline(stream, gunzip, { signal: options.signal });
    done.catch(() => undefined);
    source = gunzip;
  }
  let lineNo = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const parse = (line: Buffer): { value: unknown } | undefined => {
    lineNo++;
    let end = line.length;
    if (end > 0 && line[end - 1] === 13) end--;
    if (end === 0) return undefined;
    try {
      return { value: JSON.parse(line.toString('utf8', 0, end)) as unknown };
    } catch (err) {
      throw new IntegrityError(`${name} line ${lineNo} is not valid JSON`, { cause: err, details: { entry: name, line: lineNo } });
    }
  };
  try {
    for await (const chunk of source) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1) {
          if (start < chunk.length) {
            pending.push(chunk.subarray(start));
            pendingBytes += chunk.length - start;
          }
          break;
        }
        const piece = chunk.subarray(start, nl);
        const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        if (line.length > maxLineBytes) throw tooLong(name, lineNo + 1, maxLineBytes);
        const parsed = parse(line);
        if (parsed) yield parsed.value;
        start = nl + 1;
      }
      if (pendingBytes > maxLineBytes) throw tooLong(name, lineNo + 1, maxLineBytes);
    }
    if (pending.length > 0) {
      const parsed = parse(Buffer.concat(pending));
      if (parsed) yield parsed.value;
    }
    await done;
  } catch (err) {
    throwIfAborted(options.signal);
    if (err instanceof IntegrityError) throw err;
    if (isZlibError(err)) throw new IntegrityError(`${name} is not valid gzip`, { cause: err, details: { entry: name } });
    throw err;
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
}

function tooLong(name: string, line: number, max: number): IntegrityError {
  return new IntegrityError(`${name} line ${line} is longer than ${max} bytes`, { details: { entry: name, line } });
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
