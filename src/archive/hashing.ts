/**
 * Hash while streaming: a pass-through that computes sha256 and the byte count of everything
 * that flows through it and, optionally, counts NDJSON records (of the bytes as they are, or of
 * their gunzipped form for `.ndjson.gz` entries, decompressed on the side in the same pass).
 *
 * A record is a non-empty line; a line holding only `\r` is empty. The same definition is used
 * by ndjson.ts when reading, so counts written and counts read agree.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';

/** Counts NDJSON records in a byte stream fed chunk by chunk. */
export class RecordCounter {
  private count = 0;
  private lineBytes = 0;
  private lineIsCR = false;

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (end > start) {
        this.lineIsCR = this.lineBytes === 0 && end - start === 1 && chunk[start] === 13;
        this.lineBytes += end - start;
      }
      if (nl === -1) return;
      this.endLine();
      start = nl + 1;
    }
  }

  /** The number of records, counting a last line without a trailing newline. */
  finish(): number {
    this.endLine();
    return this.count;
  }

  private endLine(): void {
    if (this.lineBytes > 0 && !(this.lineBytes === 1 && this.lineIsCR)) this.count++;
    this.lineBytes = 0;
    this.lineIsCR = false;
  }
}

export type LineCounting = 'plain' | 'gzip';

export interface HashResult {
  sha256: string;
  size: number;
  /** NDJSON records, when counting was asked for. */
  records?: number;
}

/**
 * Pass-through Transform: sha256 + byte count (+ record count). Results are valid after the
 * stream has flushed ('finish'/'end'). With `countRecords: 'gzip'`, bytes that are not valid
 * gzip make the stream fail, so a corrupt export is caught while it is being written.
 */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private readonly counter: RecordCounter | undefined;
  private readonly gunzip: Gunzip | undefined;
  private gunzipError: Error | undefined;
  private digest: string | undefined;
  private records: number | undefined;
  size = 0;

  constructor(options: { countRecords?: LineCounting } = {}) {
    super();
    if (options.countRecords) this.counter = new RecordCounter();
    if (options.countRecords === 'gzip') {
      const gunzip = createGunzip();
      gunzip.on('data', (chunk: Buffer) => this.counter?.push(chunk));
      gunzip.on('error', (err) => {
        this.gunzipError = err;
      });
      this.gunzip = gunzip;
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.gunzip) {
      this.writeSide(chunk, (err) => callback(err, err ? undefined : chunk));
      return;
    }
    this.counter?.push(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const done = (err?: Error | null) => {
      if (err) {
        callback(err);
        return;
      }
      this.digest = this.hash.digest('hex');
      this.records = this.counter?.finish();
      callback();
    };
    const gunzip = this.gunzip;
    if (!gunzip) {
      done();
      return;
    }
    if (this.gunzipError) {
      done(this.gunzipError);
      return;
    }
    const onEnd = () => {
      gunzip.off('error', onError);
      done();
    };
    const onError = (err: Error) => {
      gunzip.off('end', onEnd);
      done(err);
    };
    gunzip.once('end', onEnd);
    gunzip.once('error', onError);
    gunzip.end();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.gunzip?.destroy();
    callback(err);
  }

  /** The results; throws if the stream has not flushed yet. */
  result(): HashResult {
    if (this.digest === undefined) throw new Error('HashingStream.result() called before the stream ended');
    return { sha256: this.digest, size: this.size, ...(this.records === undefined ? {} : { records: this.records }) };
  }

  /** Writes to the side gunzip, waiting for it to drain (backpressure) or fail. */
  private writeSide(chunk: Buffer, callback: (err?: Error) => void): void {
    const gunzip = this.gunzip as Gunzip;
    if (this.gunzipError) {
      callback(this.gunzipError);
      return;
    }
    if (gunzip.write(chunk)) {
      callback();
      return;
    }
    const onDrain = () => {
      gunzip.off('error', onError);
      callback();
    };
    const onError = (err: Error) => {
      gunzip.off('drain', onDrain);
      callback(err);
    };
    gunzip.once('drain', onDrain);
    gunzip.once('error', onError);
  }
}

/** sha256 hex of a buffer or string (UTF-8). */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
