/**
 * Request body reading for the emulator: JSON and urlencoded bodies are read (at most 1 MB,
 * Auth0's limit for every endpoint, else 413) and parsed; multipart bodies are left unread for
 * the route (the import-jobs route streams them with busboy).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './types.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export function isMultipart(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** Reads and parses the body; undefined when there is none. Throws ApiError 400/413. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'Invalid request payload JSON format', 'invalid_body');
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `Payload content length greater than maximum allowed: ${limit}`);
}
