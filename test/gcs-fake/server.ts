/**
 * Request dispatch for the GCS fake: production-shaped JSON API paths (what
 * @google-cloud/storage sends when given `apiEndpoint`), fault injection in front of every
 * route, a request log, and a small admin API under /_fake/.
 */
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { getBucket, insertBucket, listBuckets, patchBucket } from './buckets.js';
import type { RequestContext } from './context.js';
import type { FakeRoute, FaultRule, Faults } from './faults.js';
import { FakeHttpError, badRequest, discardBody, readJsonBody, sendEmpty, sendError, sendJson } from './http-util.js';
import { deleteObject, getMedia, getObject, listObjects, patchObject } from './objects.js';
import { noSuchObject } from './http-util.js';
import type { FakeStore } from './store.js';
import { insertObject, sessionRequest, type UploadSessions } from './uploads.js';

export interface RequestLogEntry {
  method: string;
  route: FakeRoute | 'unknown';
  bucket?: string;
  object?: string;
  uploadType?: string;
  contentRange?: string;
  /** HTTP status sent, or 0 when the connection was dropped without an answer. */
  status: number;
  /** Ids of fault rules that fired. */
  faults: string[];
}

export interface FakeState {
  store: FakeStore;
  sessions: UploadSessions;
  faults: Faults;
  log: RequestLogEntry[];
  /** Called with each log entry once its request is over. */
  listeners: Set<(entry: RequestLogEntry) => void>;
}

interface Resolved {
  route: FakeRoute;
  handler: (ctx: RequestContext) => Promise<void>;
  bucket?: string;
  object?: string;
}

const MAX_LOG = 20_000;

function resolve(method: string, pathname: string, query: URLSearchParams): Resolved | undefined {
  const parts = pathname.split('/').slice(1);
  const dec = (s: string | undefined) => decodeURIComponent(s ?? '');
  const [p0, p1, p2, p3, p4, p5] = parts;
  if (p0 === 'storage' && p1 === 'v1' && p2 === 'b') {
    if (parts.length === 3) {
      if (method === 'GET') return { route: 'buckets.list', handler: listBuckets };
      if (method === 'POST') return { route: 'buckets.insert', handler: insertBucket };
      return undefined;
    }
    const bucket = dec(p3);
    if (parts.length === 4) {
      if (method === 'GET') return { route: 'buckets.get', handler: getBucket, bucket };
      if (method === 'PATCH') return { route: 'buckets.patch', handler: patchBucket, bucket };
      return undefined;
    }
    if (p4 !== 'o') return undefined;
    if (parts.length === 5) return method === 'GET' ? { route: 'objects.list', handler: listObjects, bucket } : undefined;
    const object = dec(parts.slice(5).join('/'));
    if (method === 'GET' && query.get('alt') === 'media') return { route: 'objects.media', handler: getMedia, bucket, object };
    if (method === 'GET') return { route: 'objects.get', handler: getObject, bucket, object };
    if (method === 'PATCH') return { route: 'objects.patch', handler: patchObject, bucket, object };
    if (method === 'DELETE') return { route: 'objects.delete', handler: deleteObject, bucket, object };
    return undefined;
  }
  if (p0 === 'download' && p1 === 'storage' && p2 === 'v1' && p3 === 'b' && p5 === 'o' && parts.length >= 7 && method === 'GET') {
    return { route: 'objects.media', handler: getMedia, bucket: dec(p4), object: dec(parts.slice(6).join('/')) };
  }
  if (p0 === 'upload' && p1 === 'storage' && p2 === 'v1' && p3 === 'b' && p5 === 'o' && parts.length === 6) {
    const bucket = dec(p4);
    const object = query.get('name') ?? undefined;
    if (query.has('upload_id')) {
      if (method === 'PUT') return { route: 'uploads.chunk', handler: sessionRequest, bucket, object };
      if (method === 'DELETE') return { route: 'uploads.cancel', handler: sessionRequest, bucket, object };
      return undefined;
    }
    if (method === 'POST') return { route: 'objects.insert', handler: insertObject, bucket, object };
  }
  return undefined;
}

export async function handleRequest(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  if (url.pathname.startsWith('/_fake/')) return handleAdmin(state, req, res, url);
  const method = req.method ?? 'GET';
  let resolved: Resolved | undefined;
  try {
    resolved = resolve(method, url.pathname, url.searchParams);
  } catch {
    discardBody(req);
    return sendError(res, badRequest('Malformed path.'));
  }
  const entry: RequestLogEntry = {
    method,
    route: resolved?.route ?? 'unknown',
    status: 0,
    faults: [],
    ...(resolved?.bucket === undefined ? {} : { bucket: resolved.bucket }),
    ...(resolved?.object === undefined ? {} : { object: resolved.object }),
    ...(url.searchParams.get('uploadType') ? { uploadType: url.searchParams.get('uploadType') ?? '' } : {}),
    ...(typeof req.headers['content-range'] === 'string' ? { contentRange: req.headers['content-range'] } : {}),
  };
  res.on('close', () => {
    entry.status = res.writableFinished ? res.statusCode : 0;
    state.log.push(entry);
    if (state.log.length > MAX_LOG) state.log.splice(0, state.log.length - MAX_LOG);
    for (const listener of state.listeners) listener(entry);
  });
  if (!resolved) {
    discardBody(req);
    return sendError(res, new FakeHttpError(404, `Not Found: ${method} ${url.pathname}`));
  }
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const decision = state.faults.decide(resolved.route, resolved.object, hasBody);
  entry.faults = decision.fired;
  const ctx: RequestContext = {
    req,
    res,
    query: url.searchParams,
    endpoint: `http://${req.headers.host ?? 'localhost'}`,
    store: state.store,
    sessions: state.sessions,
    decision,
    bucket: resolved.bucket,
    object: resolved.object,
  };
  try {
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.status !== undefined) {
      discardBody(req);
      throw new FakeHttpError(decision.status);
    }
    await resolved.handler(ctx);
  } catch (err) {
    if (err instanceof FakeHttpError) return sendError(res, err);
    process.stderr.write(`gcs-fake: internal error on ${method} ${url.pathname}: ${(err as Error).stack ?? String(err)}\n`);
    sendError(res, new FakeHttpError(500, `Internal error in the fake: ${(err as Error).message}`));
  }
}

/** Flips the bits of one stored byte (hashes unchanged): corruption at rest. */
export async function corruptStored(store: FakeStore, bucketName: string, name: string, offset = 0): Promise<void> {
  const version = store.live(store.bucket(bucketName), name);
  if (!version) throw noSuchObject(bucketName, name);
  if (offset >= version.size) throw badRequest(`offset ${offset} is past the end (${version.size} bytes)`);
  const fh = await open(version.file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await fh.read(byte, 0, 1, offset);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await fh.write(byte, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

async function handleAdmin(state: FakeState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  try {
    switch (route) {
      case 'POST /_fake/faults': {
        const id = state.faults.add((await readJsonBody(req)) as unknown as FaultRule);
        return sendJson(res, 200, { id });
      }
      case 'GET /_fake/faults':
        return sendJson(res, 200, { faults: state.faults.list() });
      case 'DELETE /_fake/faults':
        state.faults.clear();
        return sendEmpty(res, 204);
      case 'POST /_fake/seed': {
        const { seed } = await readJsonBody(req);
        if (typeof seed !== 'number') throw badRequest('seed must be a number');
        state.faults.seed(seed);
        return sendEmpty(res, 204);
      }
      case 'GET /_fake/requests':
        return sendJson(res, 200, { requests: state.log });
      case 'DELETE /_fake/requests':
        state.log.length = 0;
        return sendEmpty(res, 204);
      case 'POST /_fake/buckets': {
        const { name, versioning } = await readJsonBody(req);
        if (typeof name !== 'string') throw badRequest('name must be a string');
        state.store.createBucket(name, versioning === true);
        return sendEmpty(res, 204);
      }
      case 'POST /_fake/corrupt': {
        const { bucket, name, offset } = await readJsonBody(req);
        if (typeof bucket !== 'string' || typeof name !== 'string') throw badRequest('bucket and name are required');
        await corruptStored(state.store, bucket, name, typeof offset === 'number' ? offset : 0);
        return sendEmpty(res, 204);
      }
      default:
        discardBody(req);
        throw new FakeHttpError(404, `No admin route ${route}`);
    }
  } catch (err) {
    if (err instanceof FakeHttpError) return sendError(res, err);
    sendError(res, badRequest((err as Error).message));
  }
}
