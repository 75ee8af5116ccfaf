/**
 * The tenant emulator's HTTP contract: every Management API route is a `RouteDef` whose handler
 * receives a parsed `EmuRequest` and returns an `EmuResponse` (or throws `ApiError`).
 * The server (server.ts) does TLS, body parsing, authentication, scope checks, rate limiting,
 * fault injection and Auth0-shaped error bodies around the handlers.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Tenant } from '../contract.js';
import type { FaultQuery, JobGauge } from '../runtime.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface EmuRequest {
  method: HttpMethod;
  /** Path below /api/v2, e.g. `/roles/rol_abc/users` (decoded segments in `params`). */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON or urlencoded body; undefined for multipart (read `raw` instead) or no body. */
  body: unknown;
  /** The raw request, unconsumed when the content type is multipart/form-data. */
  raw: IncomingMessage;
  /** Scopes of the caller's token. */
  scopes: ReadonlySet<string>;
  signal: AbortSignal;
}

export interface EmuResponse {
  status: number;
  /** JSON-serialised unless `stream` is given. Omitted for 204. */
  body?: unknown;
  headers?: Record<string, string>;
  /** For large bodies (admin state, export files): piped to the client as-is. */
  stream?: Readable;
}

export interface RouteContext {
  tenant: Tenant;
  /** e.g. `https://localhost:8443` (for building URLs such as export download locations). */
  baseUrl: string;
  /** Injected job failures (`faults.shouldFail('export-job')`); absent outside a server. */
  faults?: FaultQuery;
  /** Import-job concurrency reporting for the admin stats; absent outside a server. */
  jobs?: JobGauge;
}

export type Handler = (req: EmuRequest, ctx: RouteContext) => EmuResponse | Promise<EmuResponse>;

export interface RouteDef {
  method: HttpMethod;
  /** Express-like pattern below /api/v2: `/roles/:id/users`. */
  pattern: string;
  /** Any one of these scopes suffices (Auth0's "expected any of"). Empty = token only. */
  scopes: string[];
  handler: Handler;
  /** Per-route rate-limit bucket name, when the route has its own bucket. */
  bucket?: string;
  /**
   * Where the pattern is mounted. `'api'` (default): below `/api/v2`, bearer token, scopes,
   * rate limit. `'root'`: at the server root with no token and no rate limit, for URLs that
   * Auth0 serves elsewhere without a token (e.g. a signed export download `location`).
   */
  mount?: 'api' | 'root';
  /**
   * The server validates JSON bodies and query strings against the OpenAPI operation of this
   * route (Auth0's 400 `invalid_body` / `invalid_query_string`) unless this is `false`
   * (for handlers that produce Auth0's operation-specific messages themselves).
   */
  validate?: boolean;
}

/** An error answered as Auth0's body `{statusCode, error, message, errorCode?}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorCode?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const httpReason: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function errorBody(err: ApiError): Record<string, unknown> {
  const body: Record<string, unknown> = {
    statusCode: err.status,
    error: httpReason[err.status] ?? 'Error',
    message: err.message,
  };
  if (err.errorCode !== undefined) body.errorCode = err.errorCode;
  return { ...body, ...err.extra };
}
