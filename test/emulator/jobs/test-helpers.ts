/**
 * Helpers for the job tests: multipart bodies encoded by the platform's FormData (the same
 * encoder the auth0 SDK uses), presented as the raw request a handler receives, and download
 * of export files through the route table.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { RouteHarness } from '../users/harness.js';

export interface ImportParts {
  users?: unknown;
  /** Raw file text instead of JSON-encoding `users`. */
  usersText?: string;
  connection_id?: string;
  upsert?: boolean | string;
  external_id?: string;
  send_completion_email?: boolean;
}

/** Encodes the parts in the SDK's order: users, connection_id, upsert, external_id, send_completion_email. */
export async function multipart(parts: ImportParts): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  const text = parts.usersText ?? (parts.users === undefined ? undefined : JSON.stringify(parts.users));
  if (text !== undefined) form.append('users', new Blob([text], { type: 'application/octet-stream' }), 'users.json');
  if (parts.connection_id !== undefined) form.append('connection_id', parts.connection_id);
  if (parts.upsert !== undefined) form.append('upsert', String(parts.upsert));
  if (parts.external_id !== undefined) form.append('external_id', parts.external_id);
  if (parts.send_completion_email !== undefined) form.append('send_completion_email', String(parts.send_completion_email));
  const req = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: Buffer.from(await req.arrayBuffer()), contentType: req.headers.get('content-type') ?? '' };
}

/** Posts an import through the harness, with or without a Content-Length header. */
export async function postImport(h: RouteHarness, parts: ImportParts, opts: { chunked?: boolean } = {}) {
  const { body, contentType } = await multipart(parts);
  const headers: Record<string, string> = { 'content-type': contentType };
  if (!opts.chunked) headers['content-length'] = String(body.length);
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += 16_384) chunks.push(body.subarray(i, i + 16_384));
  const raw = Readable.from(chunks) as unknown as IncomingMessage;
  return h.call('POST', '/jobs/users-imports', { raw, headers });
}

export async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}

/** GETs an export `location` through the root-mounted file route; returns status and gunzipped text. */
export async function download(h: RouteHarness, location: string): Promise<{ status: number; text: string }> {
  const url = new URL(location);
  const res = await h.call('GET', url.pathname + url.search);
  const raw = res.stream ? await readStream(res.stream) : Buffer.alloc(0);
  if (res.status !== 200) return { status: res.status, text: raw.toString('utf8') };
  return { status: 200, text: gunzipSync(raw).toString('utf8') };
}
