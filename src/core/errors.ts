/**
 * One base error class for everything a0vault throws on purpose.
 *
 * Every error carries a stable `code` (what went wrong, for machines) and, when it wraps
 * another error, passes it as `{ cause }` so no context is lost. Only `cli/main.ts` turns
 * codes into exit codes (see ./exit-codes.ts and docs/exit-codes.md).
 */
export type ErrorCode =
  | 'internal'
  | 'usage'
  | 'config'
  | 'auth'
  | 'missing-scopes'
  | 'api'
  | 'rate-limited'
  | 'storage'
  | 'integrity'
  | 'safety'
  | 'not-found'
  | 'conflict'
  | 'locked'
  | 'cancelled'
  | 'partial';

export interface A0vaultErrorOptions {
  cause?: unknown;
  /** Structured details safe to print (never secrets). */
  details?: Record<string, unknown>;
}

export class A0vaultError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: A0vaultErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'A0vaultError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Raised when a checksum, size, record count or schema check of stored data fails. */
export class IntegrityError extends A0vaultError {
  constructor(message: string, options: A0vaultErrorOptions = {}) {
    super('integrity', message, options);
    this.name = 'IntegrityError';
  }
}

/** Raised when the signal passed to an operation was aborted. */
export class CancelledError extends A0vaultError {
  constructor(message = 'Operation cancelled', options: A0vaultErrorOptions = {}) {
    super('cancelled', message, options);
    this.name = 'CancelledError';
  }
}

/** Raised when a safety guard refuses an operation (wrong tenant, too many deletes, changed target). */
export class SafetyError extends A0vaultError {
  constructor(message: string, options: A0vaultErrorOptions = {}) {
    super('safety', message, options);
    this.name = 'SafetyError';
  }
}

/** Raised when a referenced snapshot, object or resource does not exist. */
export class NotFoundError extends A0vaultError {
  constructor(message: string, options: A0vaultErrorOptions = {}) {
    super('not-found', message, options);
    this.name = 'NotFoundError';
  }
}

export function isA0vaultError(err: unknown): err is A0vaultError {
  return err instanceof A0vaultError;
}

/** A readable one-line description of any thrown value, following `cause` chains. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      if (!parts.includes(current.message)) parts.push(current.message);
      current = (current as Error & { cause?: unknown }).cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(': ');
}
