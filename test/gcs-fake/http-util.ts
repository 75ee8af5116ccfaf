/** HTTP plumbing for the GCS fake: GCS-shaped errors and JSON bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

const REASONS: Record<number, string> = {
  400: 'invalid',
  401: 'required',
  403: 'forbidden',
  404: 'notFound',
  408: 'requestTimeout',
  409: 'conflict',
  412: 'conditionNotMet',
  416: 'requestedRangeNotSatisfiable',
  429: 'rateLimitExceeded',
  499: 'clientClosedRequest',
  500: 'backendError',
  502: 'badGateway',
  503: 'backendError',
  504: 'gatewayTimeout',
};

const MESSAGES: Record<number, string> = {
  401: 'Anonymous caller does not have storage.objects.get access.',
  403: 'The caller does not have permission.',
  408: 'Request timed out.',
  429: 'The rate of change requests to the object is too high.',
  500: 'Internal Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** An error the fake answers with, as GCS would: `{"error":{"code","message","errors":[…]}}`. */
export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message?: string,
    readonly extra: { reason?: string; location?: string; locationType?: string; headers?: Record<string, string> } = {},
  ) {
    super(message ?? MESSAGES[status] ?? `HTTP ${status}`);
  }

  body(): unknown {
    const detail: Record<string, string> = {
      message: this.message,
      domain: 'global',
      reason: this.extra.reason ?? REASONS[this.status] ?? 'unknown',
    };
    if (this.extra.locationType) detail.locationType = this.extra.locationType;
    if (this.extra.location) detail.location = this.extra.location;
    return { error: { code: this.status, message: this.message, errors: [detail] } };
  }
}

export function preconditionFailed(): FakeHttpError {
  return new FakeHttpError(412, 'At least one of the pre-conditions you specified did not hold.', {
    locationType: 'header',
    location: 'If-Match',
  });
}

export function noSuchObject(bucket: string, name: string): FakeHttpError {
  return new FakeHttpError(404, `No such object: ${bucket}/${name}`);
}

/**
 * GCS's answer to deleting or replacing an object a bucket retention policy still protects:
 * 403, reason `retentionPolicyNotMet`, and a message naming the object and the expiry.
 */
export function retentionPolicyNotMet(bucket: string, name: string, expiry: Date): FakeHttpError {
  return new FakeHttpError(
    403,
    `Object '${bucket}/${name}' is subject to bucket's retention policy and cannot be deleted, overwritten or archived until ${expiry.toISOString()}`,
    { reason: 'retentionPolicyNotMet' },
  );
}

export function noSuchBucket(): FakeHttpError {
  return new FakeHttpError(404, 'The specified bucket does not exist.');
}

export function badRequest(message: string): FakeHttpError {
  return new FakeHttpError(400, message);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

export function sendError(res: ServerResponse, err: FakeHttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, err.body(), err.extra.headers);
}

/** Reads a small JSON request body (at most 1 MiB); an empty body reads as `{}`. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024 * 1024) throw badRequest('Metadata part is too large.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest('Parse Error');
}

/** Throws a 400 unless `value` is a string→string map (custom metadata). */
export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`Invalid value for ${field}.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null) continue;
    if (typeof v !== 'string') throw badRequest(`Invalid value for ${field}.${k}: must be a string.`);
    out[k] = v;
  }
  return out;
}

/** Drains and discards whatever is left of a request body. */
export function discardBody(req: IncomingMessage): void {
  req.resume();
}
