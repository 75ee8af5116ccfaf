/**
 * A yauzl RandomAccessReader over a StorageBackend's ranged `get`, so a zip stored in GCS is
 * read without downloading all of it. The last bytes of the object (where the end-of-central-
 * directory record and, for up to a few thousand entries, the central directory live) are
 * fetched once and served from memory; every other read is one ranged get.
 *
 * Reads outside the object fail with a plain Error (callers treat those as integrity
 * problems: the zip's own offsets point outside it). Storage errors pass through unchanged.
 * A `get` whose consumer runs again on a retry skips the bytes already delivered, so the data
 * handed to yauzl is never duplicated.
 */
import { PassThrough, Readable, type Writable } from 'node:stream';
import yauzl from 'yauzl';
import type { StorageBackend } from '../storage/backend.js';

/** Bytes read from the end of the archive up front (EOCD + comment + central directory). */
export const TAIL_BYTES = 256 * 1024;

export class StorageRangeReader extends yauzl.RandomAccessReader {
  /** Ranged gets issued (tests use it to show the archive is not downloaded whole). */
  gets = 0;
  bytesFetched = 0;
  private tail: { start: number; bytes: Buffer } | undefined;

  constructor(
    private readonly storage: StorageBackend,
    private readonly key: string,
    readonly size: number,
    private readonly signal: AbortSignal,
  ) {
    super();
  }

  /** Fetches the tail of the object into memory; call once before handing the reader to yauzl. */
  async loadTail(): Promise<void> {
    if (this.size === 0) return;
    const start = Math.max(0, this.size - TAIL_BYTES);
    const chunks: Buffer[] = [];
    await this.fetch(start, this.size, (chunk) => {
      chunks.push(chunk);
    });
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== this.size - start) throw new Error(`archive tail: got ${bytes.length} bytes, expected ${this.size - start}`);
    this.tail = { start, bytes };
  }

  /** Bytes [start, end) of the object; `end` exclusive, as yauzl asks. */
  override _readStreamForRange(start: number, end: number): Readable {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= this.size)) {
      const failed = new PassThrough();
      process.nextTick(() => failed.destroy(new Error(`the zip points at bytes ${start}-${end}, outside the archive (${this.size} bytes)`)));
      return failed;
    }
    if (this.tail && start >= this.tail.start) {
      return Readable.from([this.tail.bytes.subarray(start - this.tail.start, end - this.tail.start)]);
    }
    const out = new PassThrough();
    this.fetch(start, end, (chunk) => writeOrWait(out, chunk)).then(
      () => out.end(),
      (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    return out;
  }

  private async fetch(start: number, end: number, deliver: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    this.gets++;
    let delivered = 0;
    await this.storage.get(
      this.key,
      async (stream) => {
        let skip = delivered; // bytes an earlier (retried) attempt already delivered
        for await (const raw of stream as AsyncIterable<Buffer>) {
          let chunk = raw;
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          delivered += chunk.length;
          this.bytesFetched += chunk.length;
          await deliver(chunk);
        }
      },
      { signal: this.signal, range: { start, end: end - 1 } },
    );
  }
}

/** Writes with backpressure; rejects if the destination is closed by its reader first. */
function writeOrWait(out: Writable, chunk: Buffer): Promise<void> | void {
  if (out.destroyed) throw new Error('range stream closed by its reader');
  if (out.write(chunk)) return;
  return new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      out.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      out.off('drain', onDrain);
      reject(new Error('range stream closed by its reader'));
    };
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}
