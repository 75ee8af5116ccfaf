/**
 * The Management API client: an auth0@7 `ManagementClient` whose every request goes through
 * the ApiQueue, plus thin raw calls.
 *
 * Contract:
 * - Only a domain and credentials are needed (`https://{domain}`; a port is allowed, e.g. the
 *   emulator's `localhost:8443` with its CA in NODE_EXTRA_CA_CERTS). `fetch` is injectable.
 * - The SDK's own retries are off (`maxRetries: 0`) and its timeout is effectively disabled:
 *   the queue owns retries, pacing and per-attempt timeouts (one policy). The queue also sets
 *   the Authorization header on every attempt from the token source; the SDK only sees a
 *   placeholder token.
 * - The SDK-facing fetch never throws: a request the queue gave up on is handed to the SDK as
 *   a sentinel response, and `call()` turns the SDK's error back into the queue's typed error
 *   (ManagementApiError, TokenError, CancelledError). (Throwing would leave the SDK's timeout
 *   timer running and lose the error type.)
 * - Per call, `CallOptions` carry the AbortSignal, the priority and the retry mode through the
 *   SDK (as private headers the queue strips before sending).
 * - `download()` fetches a storage URL (export file `location`): not paced by the Management
 *   limit model, not authorized, not retried (a fresh URL comes from re-reading the job).
 */
import { ManagementClient, ManagementError } from 'auth0';
import { systemClock, type Clock } from '../core/abort.js';
import { CancelledError, describeError, isA0vaultError } from '../core/errors.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import { isClientCredentials, type Credentials } from './credentials.js';
import { ManagementApiError } from './errors.js';
import { readErrorBody } from './http-errors.js';
import { ApiQueue, type ApiQueueOptions, type Priority } from './queue.js';
import { ClientCredentialsTokens, StaticToken, type TokenSource } from './token.js';

const PRIORITY_HEADER = 'x-a0vault-priority';
const RETRY_HEADER = 'x-a0vault-retry';
const PLACEHOLDER_TOKEN = 'set-by-a0vault-queue';
const PRIORITIES: readonly Priority[] = ['polling', 'interactive', 'background'];

export interface CallOptions {
  signal?: AbortSignal;
  priority?: Priority;
  /** 'rate-limit': retry only 429s (calls that must not be repeated after a 5xx). */
  retry?: 'all' | 'rate-limit';
}

/** Options passed as the SDK's per-request `requestOptions`. */
export interface SdkRequestOptions {
  abortSignal?: AbortSignal;
  maxRetries: number;
  headers: Record<string, string>;
}

export type QueueTuning = Omit<ApiQueueOptions, 'fetch' | 'clock' | 'progress' | 'signal' | 'auth'>;

export interface ManagementApiOptions {
  credentials: Credentials;
  /** Transport; default the global fetch. */
  fetch?: typeof fetch;
  clock?: Clock;
  progress?: ProgressReporter;
  /** Cancels every request of this client. */
  signal?: AbortSignal;
  queue?: QueueTuning;
}

export interface RawRequest extends CallOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Below /api/v2, e.g. `/roles/rol_1/users`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

const failures = new WeakMap<object, unknown>();

export class ManagementApi {
  readonly domain: string;
  readonly queue: ApiQueue;
  readonly tokens: TokenSource;
  readonly sdk: ManagementClient;
  private readonly transport: typeof fetch;

  constructor(opts: ManagementApiOptions) {
    const clock = opts.clock ?? systemClock;
    this.domain = opts.credentials.domain;
    this.transport = opts.fetch ?? globalThis.fetch;
    this.tokens = isClientCredentials(opts.credentials)
      ? new ClientCredentialsTokens({ credentials: opts.credentials, fetch: this.transport, clock })
      : new StaticToken(opts.credentials.accessToken);
    this.queue = new ApiQueue({
      ...opts.queue,
      fetch: this.transport,
      clock,
      progress: opts.progress ?? silentProgress,
      signal: opts.signal,
      auth: this.tokens,
    });
    this.sdk = new ManagementClient({
      domain: this.domain,
      token: () => PLACEHOLDER_TOKEN,
      fetch: this.sdkFetch,
      maxRetries: 0,
      timeoutInSeconds: 24 * 3600,
    });
  }

  /** The SDK's per-request options for these call options. */
  requestOptions(o: CallOptions = {}): SdkRequestOptions {
    return {
      abortSignal: o.signal,
      maxRetries: 0,
      headers: { [PRIORITY_HEADER]: o.priority ?? 'interactive', [RETRY_HEADER]: o.retry ?? 'all' },
    };
  }

  /** Runs an SDK call with these options; SDK errors come back as the queue's typed errors. */
  async call<T>(fn: (ro: SdkRequestOptions) => Promise<T>, o: CallOptions = {}): Promise<T> {
    // The SDK adds an abort listener to the signal it is given and never removes it; hand it a
    // per-call signal so a long-lived one (the CLI's) does not collect a listener per call.
    const link = linkSignal(o.signal);
    try {
      return await fn(this.requestOptions({ ...o, signal: link.signal }));
    } catch (err) {
      throw fromSdkError(err, o.signal);
    } finally {
      link.dispose();
    }
  }

  /** A raw JSON call through the queue; resolves undefined for an empty (204) body. */
  async request<T>(r: RawRequest): Promise<T | undefined> {
    const url = new URL(`https://${this.domain}/api/v2${r.path}`);
    for (const [k, v] of Object.entries(r.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const hasBody = r.body !== undefined;
    const res = await this.queue.execute({
      method: r.method,
      url: url.href,
      headers: { accept: 'application/json', ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      body: hasBody ? JSON.stringify(r.body) : undefined,
      signal: r.signal,
      priority: r.priority,
      retry: r.retry,
    });
    const text = await res.text();
    return text ? (JSON.parse(text) as T) : undefined;
  }

  /**
   * GET an export file's storage URL (not a Management API route, so not through the queue).
   * With `offset` > 0 asks for the bytes from there on (HTTP Range); the answer is 206 when the
   * server honoured it, else 200 with the whole file. Non-2xx → ManagementApiError with the
   * status (403 is how an expired signed URL answers).
   */
  async download(location: string, signal?: AbortSignal, offset = 0): Promise<Response> {
    const url = /^https?:\/\//.test(location) ? location : `https://${location}`;
    let res: Response;
    try {
      res = await this.transport(url, { method: 'GET', signal, headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
    } catch (err) {
      if (signal?.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
      throw new ManagementApiError({ route: 'GET export file', apiMessage: describeError(err) }, { cause: err });
    }
    if (!res.ok) {
      const body = await readErrorBody(res);
      throw new ManagementApiError({ route: 'GET export file', status: res.status, apiMessage: body.message });
    }
    return res;
  }

  private readonly sdkFetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    const priority = headers.get(PRIORITY_HEADER);
    const retry = headers.get(RETRY_HEADER);
    headers.delete(PRIORITY_HEADER);
    headers.delete(RETRY_HEADER);
    try {
      return await this.queue.execute({
        method: init?.method ?? 'GET',
        url,
        headers,
        body: init?.body,
        signal: init?.signal ?? undefined,
        priority: PRIORITIES.find((p) => p === priority) ?? 'interactive',
        retry: retry === 'rate-limit' ? 'rate-limit' : 'all',
      });
    } catch (err) {
      const res = new Response(JSON.stringify({ message: describeError(err) }), {
        status: 599,
        headers: { 'content-type': 'application/json' },
      });
      failures.set(res.headers, err);
      return res;
    }
  };
}

function linkSignal(parent: AbortSignal | undefined): { signal: AbortSignal | undefined; dispose: () => void } {
  if (!parent) return { signal: undefined, dispose: () => undefined };
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return { signal: ctl.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/** Maps an error thrown by the SDK back to a typed error. */
export function fromSdkError(err: unknown, signal?: AbortSignal): unknown {
  if (isA0vaultError(err)) return err;
  const raw = (err as { rawResponse?: { headers?: unknown } } | undefined)?.rawResponse?.headers;
  if (raw && typeof raw === 'object' && failures.has(raw)) return failures.get(raw);
  if (signal?.aborted) return new CancelledError('Operation cancelled', { cause: signal.reason });
  if (err instanceof ManagementError) {
    return new ManagementApiError({ route: 'Management API call', status: err.statusCode, apiMessage: err.message.split('\n')[0] }, { cause: err });
  }
  return err;
}
