/**
 * Turning what @google-cloud/storage, gaxios and teeny-request throw into StorageErrors.
 *
 * Transient (a retry may help): HTTP 408, 429, 5xx, and connection-level failures (reset,
 * refused, timed out, DNS try-again, premature close). Everything else is permanent.
 * The original error is never kept as-is: it can carry request options (headers with a bearer
 * token, session URIs), so the cause is a plain Error with a redacted message, name and code.
 */
import { CancelledError } from '../core/errors.js';
import {
  CorruptObjectError,
  ObjectNotFoundError,
  ObjectProtectedError,
  PreconditionFailedError,
  StorageError,
  type StorageErrorOptions,
  type StorageOperation,
} from './backend.js';
import { redactText } from './redact.js';
import { cancelledOr } from './streams.js';

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const CORRUPTION_CODES = new Set(['CONTENT_DOWNLOAD_MISMATCH', 'FILE_NO_UPLOAD', 'FILE_NO_UPLOAD_DELETE']);

interface ErrorLike {
  message?: unknown;
  name?: unknown;
  code?: unknown;
  status?: unknown;
  response?: { status?: unknown; statusCode?: unknown; data?: unknown };
  errors?: unknown;
  cause?: unknown;
}

/** The HTTP status behind an error, if there is one. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as ErrorLike | undefined;
  for (const candidate of [e?.code, e?.status, e?.response?.status, e?.response?.statusCode]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

function networkCodeOf(err: unknown): string | undefined {
  let current = err as ErrorLike | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string' && TRANSIENT_NETWORK.has(current.code)) return current.code;
    const message = typeof current.message === 'string' ? current.message : '';
    if (/socket hang up|other side closed|premature close|ECONNRESET|network socket disconnected/i.test(message)) {
      return 'ECONNRESET';
    }
    current = current.cause as ErrorLike | undefined;
  }
  return undefined;
}

/** A plain, credential-free copy of an error, to keep as `cause`. */
export function sanitizedCause(err: unknown): Error {
  const e = err as ErrorLike | undefined;
  const raw = detailMessage(e) ?? (typeof e?.message === 'string' ? e.message : String(err));
  const copy = new Error(redactText(shortMessage(raw)));
  if (typeof e?.name === 'string') copy.name = e.name;
  const status = httpStatusOf(err);
  const code = typeof e?.code === 'string' ? e.code : status;
  if (code !== undefined) (copy as Error & { code?: unknown }).code = code;
  return copy;
}

/** The server's own message, when the client kept the GCS error body somewhere. */
function detailMessage(e: ErrorLike | undefined): string | undefined {
  const bodies: unknown[] = [e?.response?.data, ...(Array.isArray(e?.errors) ? e.errors : [])];
  for (const body of bodies) {
    const b = body as { error?: { message?: unknown }; message?: unknown } | undefined;
    if (typeof b?.error?.message === 'string') return b.error.message;
    if (typeof b?.message === 'string' && b.message !== '') return b.message;
  }
  return undefined;
}

/** GCS puts the JSON error body into messages; keep only its "message" field. */
function shortMessage(message: string): string {
  const trimmed = message.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') return parsed.error.message;
    } catch {
      // not JSON after all
    }
  }
  return trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed;
}

/** The `reason` of each entry of the GCS error body's `errors` list (as ApiError keeps them). */
function reasonsOf(err: unknown): string[] {
  const e = err as ErrorLike | undefined;
  const data = e?.response?.data as { error?: { errors?: unknown } } | undefined;
  const lists = [e?.errors, data?.error?.errors];
  const out: string[] = [];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const reason = (item as { reason?: unknown } | null)?.reason;
      if (typeof reason === 'string') out.push(reason);
    }
  }
  return out;
}

/**
 * The date at the end of GCS's retention message ("… cannot be deleted, overwritten or archived
 * until 2019-11-07T23:15:42.507463461-08:00"), if there is one. Fractions beyond milliseconds are
 * cut so Date can parse it.
 */
function retainUntilOf(message: string): Date | undefined {
  const m = /until (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})/.exec(message);
  if (!m) return undefined;
  const time = Date.parse(`${m[1]}${(m[2] ?? '').slice(0, 4)}${m[3]}`);
  return Number.isNaN(time) ? undefined : new Date(time);
}

export interface GcsErrorContext {
  operation: StorageOperation;
  location: string;
  key?: string;
  signal?: AbortSignal;
  /** What a 412 means for this call ("object already exists", "object is not at version 7"). */
  preconditionMessage?: string;
}

/** Maps anything thrown by the GCS client to a StorageError (or CancelledError). */
export function toStorageError(err: unknown, ctx: GcsErrorContext): StorageError | CancelledError {
  if (err instanceof StorageError || err instanceof CancelledError) return err;
  if (ctx.signal) {
    const cancelled = cancelledOr(err, ctx.signal);
    if (cancelled instanceof CancelledError) return cancelled;
  }
  const cause = sanitizedCause(err);
  const base: StorageErrorOptions = { operation: ctx.operation, location: ctx.location, key: ctx.key, cause };
  const code = (err as ErrorLike | undefined)?.code;
  if (typeof code === 'string' && CORRUPTION_CODES.has(code)) {
    return new CorruptObjectError(`content hash mismatch (${code})`, base);
  }
  const status = httpStatusOf(err);
  if (status === 404) return new ObjectNotFoundError('no such object or bucket', base);
  if (status === 412) return new PreconditionFailedError(ctx.preconditionMessage ?? 'precondition failed', base);
  if (status === 400 && /hash|md5|crc32c/i.test(cause.message)) {
    return new CorruptObjectError(`GCS rejected the content: ${cause.message}`, base);
  }
  if (status === 403 && reasonsOf(err).includes('retentionPolicyNotMet')) {
    return new ObjectProtectedError(`protected by a retention policy: ${cause.message}`, { ...base, retainUntil: retainUntilOf(cause.message) });
  }
  if (status === 401 || status === 403) {
    return new StorageError(`access denied (HTTP ${status}); check the credentials and IAM roles`, base);
  }
  if (status !== undefined) {
    return new StorageError(`HTTP ${status}: ${cause.message}`, { ...base, transient: TRANSIENT_STATUS.has(status) || status >= 500 });
  }
  const network = networkCodeOf(err);
  if (network) return new StorageError(`connection failed (${network})`, { ...base, transient: true });
  return new StorageError(cause.message, base);
}
