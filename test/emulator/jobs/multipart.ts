/**
 * Streaming multipart/form-data parsing for `POST /jobs/users-imports` (busboy), enforcing
 * Auth0's payload limit: a request body over 512,000 bytes answers 413 "Payload content length
 * greater than maximum allowed: 512000." — refused from the Content-Length header when it is
 * present, otherwise as soon as the streamed bytes pass the limit.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { CancelledError } from '../../../src/core/errors.js';
import { ApiError } from '../http/types.js';

export const MAX_IMPORT_PAYLOAD = 512_000;

export interface MultipartResult {
  /** The `users` part (file or field), when present. */
  users?: Buffer;
  fields: Record<string, string>;
}

export function tooLarge(limit: number): ApiError {
  return new ApiError(413, `Payload content length greater than maximum allowed: ${limit}.`);
}

function invalidMultipart(): ApiError {
  return new ApiError(400, "Payload validation error: 'Invalid multipart payload format'.", 'invalid_body');
}

/** Reads the whole multipart body (≤ `limit` bytes); rejects with ApiError 400/413 or CancelledError. */
export function parseMultipart(
  raw: Readable,
  headers: IncomingHttpHeaders,
  signal: AbortSignal,
  limit = MAX_IMPORT_PAYLOAD,
): Promise<MultipartResult> {
  const type = headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    raw.resume();
    return Promise.reject(invalidMultipart());
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    raw.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise<MultipartResult>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let users: Buffer | undefined;
    let done = false;
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers, limits: { fileSize: limit + 1, files: 5, fields: 20, fieldSize: 64 * 1024 } });
    } catch {
      raw.resume();
      reject(invalidMultipart());
      return;
    }
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      raw.off('data', count);
      if (err !== undefined) {
        raw.unpipe(bb);
        raw.resume();
        reject(err);
      } else {
        resolve(users === undefined ? { fields } : { users, fields });
      }
    };
    const onAbort = () => finish(new CancelledError('Import upload cancelled', { cause: signal.reason }));
    let total = 0;
    const count = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) finish(tooLarge(limit));
    };
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        if (name === 'users') chunks.push(c);
      });
      stream.on('end', () => {
        if (name === 'users') users = Buffer.concat(chunks);
      });
    });
    bb.on('field', (name, value) => {
      if (name === 'users') users = Buffer.from(value, 'utf8');
      else fields[name] = value;
    });
    bb.on('error', () => finish(invalidMultipart()));
    bb.on('close', () => finish());
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    raw.on('data', count);
    raw.pipe(bb);
  });
}
