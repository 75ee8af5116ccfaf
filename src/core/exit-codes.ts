/**
 * The one table of process exit codes (documented in docs/exit-codes.md).
 * Only cli/main.ts uses it to leave the process.
 */
import type { ErrorCode } from './errors.js';

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  warnings: 3,
  integrity: 4,
  safety: 5,
  notFound: 10,
  cancelled: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const byErrorCode: Record<ErrorCode, ExitCodeValue> = {
  internal: ExitCode.internal,
  usage: ExitCode.usage,
  config: ExitCode.usage,
  auth: ExitCode.usage,
  'missing-scopes': ExitCode.usage,
  api: ExitCode.internal,
  'rate-limited': ExitCode.internal,
  storage: ExitCode.internal,
  integrity: ExitCode.integrity,
  safety: ExitCode.safety,
  'not-found': ExitCode.notFound,
  conflict: ExitCode.safety,
  locked: ExitCode.safety,
  cancelled: ExitCode.cancelled,
  partial: ExitCode.warnings,
};

export function exitCodeFor(code: ErrorCode): ExitCodeValue {
  return byErrorCode[code];
}
