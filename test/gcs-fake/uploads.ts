/**
 * Upload routes of the fake: `uploadType=media|multipart|resumable`, resumable session PUTs
 * (chunks with Content-Range, 308 + Range for intermediate chunks, status queries
 * `bytes *\/N`), and session cancellation (DELETE).
 *
 * Strict where GCS is: intermediate chunks must be multiples of 256 KiB; a chunk may not start
 * past the persisted size; hashes given in the object resource (md5Hash, crc32c) or in an
 * X-Goog-Hash header are checked at finalization (400 on mismatch, nothing stored);
 * preconditions are checked when the session starts and again when it finalizes (412).
 * After a dropped connection only whole 256 KiB units of the interrupted chunk are kept.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, truncate } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { answer, dropConnection, type RequestContext } from './context.js';
import { FakeHttpError, badRequest, discardBody, readJsonBody, sendEmpty, sendJson, stringMap } from './http-util.js';
import { boundaryOf, parseSpooledMultipart } from './multipart.js';
import { receiveInto } from './receive.js';
import { objectResource } from './resources.js';
import {
  checkObjectName,
  checkPreconditions,
  checkSuppliedHashes,
  hashFile,
  preconditionsFrom,
  type FakeStore,
  type ObjectVersion,
  type Preconditions,
} from './store.js';

export const CHUNK_QUANTUM = 256 * 1024;

interface Supplied {
  md5Hash?: string;
  crc32c?: string;
}

interface UploadSession {
  id: string;
  bucket: string;
  name: string;
  contentType: string;
  metadata: Record<string, string>;
  supplied: Supplied;
  expectedSize?: number;
  preconditions: Preconditions;
  file: string;
  persisted: number;
  state: 'active' | 'final' | 'failed' | 'cancelled';
  result?: ObjectVersion;
  queue: Promise<void>;
}

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  constructor(private readonly store: FakeStore) {}

  create(init: Omit<UploadSession, 'id' | 'file' | 'persisted' | 'state' | 'queue'>): UploadSession {
    const session: UploadSession = { ...init, id: randomUUID(), file: this.store.newContentPath(), persisted: 0, state: 'active', queue: Promise.resolve() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Sessions neither finalized, failed nor cancelled (unfinished uploads holding data). */
  active(): Array<{ bucket: string; name: string; persisted: number }> {
    return [...this.sessions.values()]
      .filter((s) => s.state === 'active')
      .map((s) => ({ bucket: s.bucket, name: s.name, persisted: s.persisted }));
  }

  get(id: string | null): UploadSession {
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) throw new FakeHttpError(404, 'No such upload session.');
    return session;
  }

  /** Runs request handlers of one session one after another (a status query waits for a dying chunk). */
  async serialized<T>(session: UploadSession, fn: () => Promise<T>): Promise<T> {
    const previous = session.queue;
    let release = () => undefined as void;
    session.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

function suppliedFrom(resource: Record<string, unknown>, hashHeader: string | string[] | undefined): Supplied {
  const out: Supplied = {};
  if (typeof resource.md5Hash === 'string') out.md5Hash = resource.md5Hash;
  if (typeof resource.crc32c === 'string') out.crc32c = resource.crc32c;
  const header = Array.isArray(hashHeader) ? hashHeader.join(',') : hashHeader;
  for (const part of (header ?? '').split(',')) {
    const at = part.indexOf('=');
    const kind = part.slice(0, at).trim().toLowerCase();
    const value = part.slice(at + 1).trim();
    if (kind === 'md5') out.md5Hash = value;
    if (kind === 'crc32c') out.crc32c = value;
  }
  return out;
}

/** Hash-checks a complete content file and makes it the live generation, or removes it. */
async function finalize(
  ctx: RequestContext,
  file: string,
  target: { bucket: string; name: string; contentType: string; metadata: Record<string, string> },
  supplied: Supplied,
  preconditions: Preconditions,
  expectedSize?: number,
): Promise<ObjectVersion> {
  try {
    const actual = await hashFile(file);
    if (expectedSize !== undefined && actual.size !== expectedSize) {
      throw badRequest(`Upload size ${actual.size} does not match the declared X-Upload-Content-Length ${expectedSize}.`);
    }
    checkSuppliedHashes(actual, supplied);
    return ctx.store.commit({ ...target, ...actual, file }, preconditions);
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
}

export async function insertObject(ctx: RequestContext): Promise<void> {
  const uploadType = ctx.query.get('uploadType');
  ctx.store.bucket(ctx.bucket ?? '');
  if (uploadType === 'media') return insertMedia(ctx);
  if (uploadType === 'multipart') return insertMultipart(ctx);
  if (uploadType === 'resumable') return startResumable(ctx);
  discardBody(ctx.req);
  throw badRequest(`Invalid upload type: ${uploadType ?? '(none)'}; expected media, multipart or resumable.`);
}

async function insertMedia(ctx: RequestContext): Promise<void> {
  const name = checkObjectName(ctx.query.get('name'));
  const preconditions = preconditionsFrom(ctx.query);
  const file = ctx.store.newContentPath();
  const got = await receiveInto(ctx, file);
  if (got.outcome !== 'complete') {
    await rm(file, { force: true });
    if (got.outcome === 'dropped') dropConnection(ctx);
    return;
  }
  const contentType = ctx.req.headers['content-type'] ?? 'application/octet-stream';
  const supplied = suppliedFrom({}, ctx.req.headers['x-goog-hash']);
  const version = await finalize(ctx, file, { bucket: ctx.bucket ?? '', name, contentType, metadata: {} }, supplied, preconditions);
  answer(ctx, () => sendJson(ctx.res, 200, objectResource(version, ctx.endpoint)));
}

async function insertMultipart(ctx: RequestContext): Promise<void> {
  const boundary = boundaryOf(ctx.req.headers['content-type']);
  const preconditions = preconditionsFrom(ctx.query);
  const spool = ctx.store.newContentPath();
  const file = ctx.store.newContentPath();
  try {
    const got = await receiveInto(ctx, spool);
    if (got.outcome !== 'complete') {
      if (got.outcome === 'dropped') dropConnection(ctx);
      return;
    }
    const layout = await parseSpooledMultipart(spool, boundary);
    const name = checkObjectName(ctx.query.get('name') ?? (layout.metadata.name as string | undefined));
    if (layout.mediaEnd > layout.mediaStart) {
      await pipeline(createReadStream(spool, { start: layout.mediaStart, end: layout.mediaEnd - 1 }), createWriteStream(file, { mode: 0o600 }));
    } else {
      await pipeline(async function* () {}, createWriteStream(file, { mode: 0o600 }));
    }
    const contentType =
      (typeof layout.metadata.contentType === 'string' ? layout.metadata.contentType : undefined) ??
      layout.mediaContentType ??
      'application/octet-stream';
    const metadata = stringMap(layout.metadata.metadata, 'metadata');
    const supplied = suppliedFrom(layout.metadata, ctx.req.headers['x-goog-hash']);
    const version = await finalize(ctx, file, { bucket: ctx.bucket ?? '', name, contentType, metadata }, supplied, preconditions);
    answer(ctx, () => sendJson(ctx.res, 200, objectResource(version, ctx.endpoint)));
  } finally {
    await rm(spool, { force: true });
  }
}

async function startResumable(ctx: RequestContext): Promise<void> {
  const resource = await readJsonBody(ctx.req);
  const name = checkObjectName(ctx.query.get('name') ?? (resource.name as string | undefined));
  const bucket = ctx.store.bucket(ctx.bucket ?? '');
  const preconditions = preconditionsFrom(ctx.query);
  checkPreconditions(ctx.store.live(bucket, name), preconditions);
  const lengthHeader = ctx.req.headers['x-upload-content-length'];
  const expectedSize = typeof lengthHeader === 'string' ? Number(lengthHeader) : undefined;
  if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
    throw badRequest(`Invalid X-Upload-Content-Length: ${lengthHeader}`);
  }
  const typeHeader = ctx.req.headers['x-upload-content-type'];
  const session = ctx.sessions.create({
    bucket: bucket.name,
    name,
    contentType: (typeof typeHeader === 'string' ? typeHeader : undefined) ?? (resource.contentType as string | undefined) ?? 'application/octet-stream',
    metadata: stringMap(resource.metadata, 'metadata'),
    supplied: suppliedFrom(resource, undefined),
    expectedSize,
    preconditions,
  });
  const uri = `${ctx.endpoint}/upload/storage/v1/b/${bucket.name}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${session.id}`;
  answer(ctx, () => sendEmpty(ctx.res, 200, { Location: uri }));
}

interface ContentRange {
  /** null for a status query (`bytes *\/…`). */
  first: number | null;
  /** null when open-ended (`bytes 0-*\/…`). */
  last: number | null;
  /** null when unknown (`…/*`). */
  total: number | null;
}

function parseContentRange(header: string | undefined): ContentRange {
  const match = /^bytes (?:(\*)|(\d+)-(\d+|\*|-1))\/(\d+|\*)$/.exec((header ?? '').trim());
  if (!match) throw badRequest(`Invalid Content-Range header: ${header ?? '(missing)'}`);
  const [, star, first, last, total] = match;
  return {
    first: star ? null : Number(first),
    last: star || last === '*' ? null : Number(last),
    total: total === '*' ? null : Number(total),
  };
}

export async function sessionRequest(ctx: RequestContext): Promise<void> {
  const session = ctx.sessions.get(ctx.query.get('upload_id'));
  return ctx.sessions.serialized(session, async () => {
    if (ctx.req.method === 'DELETE') {
      discardBody(ctx.req);
      if (session.state === 'active') await rm(session.file, { force: true });
      session.state = 'cancelled';
      answer(ctx, () => sendEmpty(ctx.res, 499));
      return;
    }
    if (session.state === 'final' && session.result) {
      discardBody(ctx.req);
      const result = session.result;
      answer(ctx, () => sendJson(ctx.res, 200, objectResource(result, ctx.endpoint)));
      return;
    }
    if (session.state !== 'active') {
      discardBody(ctx.req);
      throw new FakeHttpError(410, `The upload session was ${session.state}.`);
    }
    await putChunk(ctx, session);
  });
}

function incomplete(ctx: RequestContext, session: UploadSession): void {
  const headers: Record<string, string> = session.persisted > 0 ? { Range: `bytes=0-${session.persisted - 1}` } : {};
  answer(ctx, () => sendEmpty(ctx.res, 308, headers));
}

async function finalizeSession(ctx: RequestContext, session: UploadSession): Promise<void> {
  const supplied = { ...session.supplied, ...suppliedFrom({}, ctx.req.headers['x-goog-hash']) };
  try {
    const { bucket, name, contentType, metadata } = session;
    const target = { bucket, name, contentType, metadata };
    session.result = await finalize(ctx, session.file, target, supplied, session.preconditions, session.expectedSize);
    session.state = 'final';
  } catch (err) {
    session.state = 'failed';
    throw err;
  }
  const result = session.result;
  answer(ctx, () => sendJson(ctx.res, 200, objectResource(result, ctx.endpoint)));
}

async function putChunk(ctx: RequestContext, session: UploadSession): Promise<void> {
  const range = parseContentRange(ctx.req.headers['content-range']);
  if (range.first === null) {
    discardBody(ctx.req);
    if (range.total !== null && range.total === session.persisted) return finalizeSession(ctx, session);
    return incomplete(ctx, session);
  }
  if (range.first > session.persisted) {
    discardBody(ctx.req);
    throw badRequest(
      `Invalid request. According to the Content-Range header, the upload offset is ${range.first} byte(s), which exceeds already uploaded size of ${session.persisted} byte(s).`,
    );
  }
  const before = session.persisted;
  const got = await receiveInto(ctx, session.file, before - range.first);
  if (got.outcome !== 'complete') {
    // keep whole 256 KiB units of what arrived, as GCS may
    session.persisted = before + Math.floor(got.written / CHUNK_QUANTUM) * CHUNK_QUANTUM;
    await truncate(session.file, session.persisted);
    if (got.outcome === 'dropped') dropConnection(ctx);
    return;
  }
  const declared = range.last === null ? null : range.last - range.first + 1;
  const rollback = async (message: string) => {
    await truncate(session.file, before);
    throw badRequest(message);
  };
  if (declared !== null && got.received !== declared) {
    return rollback(`Content-Range declares ${declared} bytes but the body has ${got.received}.`);
  }
  const now = before + got.written;
  const total = range.total ?? (range.last === null ? now : null);
  if (total !== null && now > total) return rollback(`Received ${now} bytes, more than the declared total ${total}.`);
  if (total !== null && now === total) {
    session.persisted = now;
    return finalizeSession(ctx, session);
  }
  if (declared !== null && declared % CHUNK_QUANTUM !== 0) {
    return rollback(`Non-final chunks must be a multiple of ${CHUNK_QUANTUM} bytes; this one has ${declared}.`);
  }
  session.persisted = now;
  incomplete(ctx, session);
}
