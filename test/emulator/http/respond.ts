/** Writing answers: JSON with Auth0's content type, 204 without body, streams piped. */
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApiError, errorBody, type EmuResponse } from './types.js';

export async function send(res: ServerResponse, answer: EmuResponse, extraHeaders: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string> = { ...extraHeaders, ...(answer.headers ?? {}) };
  if (answer.stream) {
    headers['content-type'] ??= 'application/octet-stream';
    res.writeHead(answer.status, headers);
    try {
      await pipeline(answer.stream, res);
    } catch {
      res.destroy();
    }
    return;
  }
  if (answer.status === 204 || answer.body === undefined) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(answer.body);
  headers['content-type'] ??= 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(answer.status, headers);
  res.end(text);
}

export function errorAnswer(err: ApiError, headers: Record<string, string> = {}): EmuResponse {
  return { status: err.status, body: errorBody(err), headers };
}

export function notFoundAnswer(): EmuResponse {
  return { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Not Found' } };
}
