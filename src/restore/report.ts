/**
 * The restore report (Velero `results.Result` style): counts per resource type, warnings and
 * per-item errors, and an outcome derived from them.
 *
 * Contract: nothing in a report ever holds a secret value or a password hash; item errors name
 * the item (user_id, email, role/org id) and carry API error codes and messages only.
 * Outcome: `failed` when a fatal error was recorded (the restore could not go on), else
 * `partially-failed` when any item failed, else `completed`. The CLI maps outcomes to exit
 * codes with `exitCodeForOutcome` (0 / 3 / 1, see docs/exit-codes.md).
 */
import { ExitCode, type ExitCodeValue } from '../core/exit-codes.js';

export type RestoreOutcome = 'completed' | 'partially-failed' | 'failed';

/** Counters for one resource type (e.g. `users:Username-Password-Authentication`, `role-members`). */
export interface ResourceCounts {
  inserted: number;
  updated: number;
  failed: number;
  skipped: number;
}

export interface ItemError {
  /** Resource type, e.g. `users`, `role-members`, `org-members`, `org-member-roles`. */
  type: string;
  /** What failed, e.g. a user_id or `rol_x/auth0|y`. */
  item: string;
  email?: string;
  /** Auth0's error codes (e.g. DUPLICATED_USER, INVALID_FORMAT) or an HTTP status. */
  codes: string[];
  message: string;
}

export interface RestoreWarning {
  type: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface RestoreReportData {
  outcome: RestoreOutcome;
  counts: Record<string, ResourceCounts>;
  warnings: RestoreWarning[];
  errors: ItemError[];
  fatal?: string;
}

export const emptyCounts = (): ResourceCounts => ({ inserted: 0, updated: 0, failed: 0, skipped: 0 });

/** Mutable collector shared by the apply steps. */
export class RestoreReport {
  readonly counts: Record<string, ResourceCounts> = {};
  readonly warnings: RestoreWarning[] = [];
  readonly errors: ItemError[] = [];
  private fatalMessage: string | undefined;

  /** Adds to the counters of one resource type. */
  count(type: string, delta: Partial<ResourceCounts>): void {
    const c = (this.counts[type] ??= emptyCounts());
    c.inserted += delta.inserted ?? 0;
    c.updated += delta.updated ?? 0;
    c.failed += delta.failed ?? 0;
    c.skipped += delta.skipped ?? 0;
  }

  warn(type: string, message: string, details?: Record<string, unknown>): void {
    this.warnings.push({ type, message, ...(details ? { details } : {}) });
  }

  /** Records a failed item (does not touch the counters; callers count separately). */
  itemError(error: ItemError): void {
    this.errors.push(error);
  }

  /** Records an error that stopped the restore. */
  fatal(message: string): void {
    this.fatalMessage ??= message;
  }

  get outcome(): RestoreOutcome {
    if (this.fatalMessage !== undefined) return 'failed';
    const anyFailed = this.errors.length > 0 || Object.values(this.counts).some((c) => c.failed > 0);
    return anyFailed ? 'partially-failed' : 'completed';
  }

  toJSON(): RestoreReportData {
    return {
      outcome: this.outcome,
      counts: structuredClone(this.counts),
      warnings: [...this.warnings],
      errors: [...this.errors],
      ...(this.fatalMessage !== undefined ? { fatal: this.fatalMessage } : {}),
    };
  }
}

/** completed → 0, partially-failed → 3, failed → 1. */
export function exitCodeForOutcome(outcome: RestoreOutcome): ExitCodeValue {
  switch (outcome) {
    case 'completed':
      return ExitCode.ok;
    case 'partially-failed':
      return ExitCode.warnings;
    case 'failed':
      return ExitCode.internal;
  }
}
