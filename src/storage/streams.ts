/**
 * Stream helpers shared by the backends: hashing while bytes flow, checking a hash at the end of
 * a stream, and turning an aborted signal into CancelledError.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CancelledError } from '../core/errors.js';

/** A pass-through that counts bytes and computes sha256 of everything that flows through it. */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private digestHex: string | undefined;
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  /** The hex sha256; only valid after the stream has ended. */
  get sha256(): string {
    this.digestHex ??= this.hash.digest('hex');
    return this.digestHex;
  }
}

/**
 * A pass-through that fails at the end of the stream, before signalling end, when the bytes do
 * not hash to `expectedSha256` (or do not add up to `expectedSize`). `fail` builds the error.
 * Because the error comes before 'end', a writer downstream never sees a complete stream.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;

  constructor(
    private readonly expectedSha256: string,
    private readonly expectedSize: number | undefined,
    private readonly fail: (problem: string) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.size !== this.expectedSize) {
      callback(this.fail(`got ${this.size} bytes, expected ${this.expectedSize}`));
      return;
    }
    const actual = this.hash.digest('hex');
    if (actual !== this.expectedSha256) {
      callback(this.fail(`sha256 is ${actual}, expected ${this.expectedSha256}`));
      return;
    }
    callback();
  }
}

/** True when `err` is what node's stream utilities throw for an aborted signal. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR');
}

/** If the signal is aborted, returns a CancelledError to throw instead of `err`. */
export function cancelledOr(err: unknown, signal: AbortSignal): unknown {
  if (err instanceof CancelledError) return err;
  if (signal.aborted || isAbortError(err)) return new CancelledError('Operation cancelled', { cause: signal.reason ?? err });
  return err;
}

/** Rejects with CancelledError as soon as `signal` aborts; otherwise settles like `promise`. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new CancelledError('Operation cancelled', { cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('Operation cancelled', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
