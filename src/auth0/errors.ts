/**
 * Typed errors of the Management API layer. All extend A0vaultError, carry the method and route
 * template (never a token, never a query string) and wrap their cause.
 */
import { A0vaultError, type A0vaultErrorOptions, type ErrorCode } from '../core/errors.js';

export interface ApiErrorInfo {
  /** e.g. `POST /roles/{id}/users` */
  route: string;
  /** HTTP status, or undefined when no response arrived (connection reset, timeout). */
  status?: number;
  /** Auth0's `errorCode` (e.g. `insufficient_scope`, `invalid_paging`), when present. */
  errorCode?: string;
  /** Auth0's `message`. */
  apiMessage?: string;
  /** Attempts made, including the first. */
  attempts?: number;
}

/** A Management API call failed: a 4xx, or a 5xx / network failure after the retries ran out. */
export class ManagementApiError extends A0vaultError {
  readonly route: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly apiMessage: string | undefined;

  constructor(info: ApiErrorInfo, options: A0vaultErrorOptions & { code?: ErrorCode } = {}) {
    const what = info.status === undefined ? 'failed' : `failed with ${info.status}`;
    const detail = info.apiMessage ? `: ${info.apiMessage}` : '';
    const tag = info.errorCode ? ` (${info.errorCode})` : '';
    const tries = info.attempts && info.attempts > 1 ? ` after ${info.attempts} attempts` : '';
    super(options.code ?? codeFor(info.status, info.errorCode), `${info.route} ${what}${tries}${detail}${tag}`, {
      cause: options.cause,
      details: { ...info, ...options.details },
    });
    this.name = 'ManagementApiError';
    this.route = info.route;
    this.status = info.status;
    this.errorCode = info.errorCode;
    this.apiMessage = info.apiMessage;
  }
}

function codeFor(status: number | undefined, errorCode: string | undefined): ErrorCode {
  if (status === 401) return 'auth';
  if (status === 403 && errorCode === 'insufficient_scope') return 'missing-scopes';
  if (status === 429) return 'rate-limited';
  return 'api';
}

/** The token endpoint refused the credentials (access_denied, unauthorized_client, …). */
export class TokenError extends A0vaultError {
  readonly oauthError: string | undefined;

  constructor(message: string, oauthError: string | undefined, options: A0vaultErrorOptions = {}) {
    super('auth', message, options);
    this.name = 'TokenError';
    this.oauthError = oauthError;
  }
}

/**
 * An offset-paginated list holds more than Auth0 lets a client page through (1,000): reading it
 * that way would silently truncate. Use checkpoint pagination or an export job instead.
 */
export class PaginationLimitError extends A0vaultError {
  constructor(route: string, total: number | undefined, limit: number) {
    const count = total === undefined ? `more than ${limit}` : String(total);
    super('api', `${route} lists ${count} results but offset pagination stops at ${limit}; use an export job`, {
      details: { route, total, limit },
    });
    this.name = 'PaginationLimitError';
  }
}
