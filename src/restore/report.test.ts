import { describe, expect, it } from 'vitest';
import { ExitCode } from '../core/exit-codes.js';
import { exitCodeForOutcome, RestoreReport } from './report.js';

describe('RestoreReport', () => {
  it('is completed with no failures and sums counts per type', () => {
    const r = new RestoreReport();
    r.count('users', { inserted: 2 });
    r.count('users', { inserted: 3, updated: 1 });
    r.warn('users', 'social user not importable');
    expect(r.outcome).toBe('completed');
    expect(r.toJSON().counts.users).toEqual({ inserted: 5, updated: 1, failed: 0, skipped: 0 });
    expect(exitCodeForOutcome(r.outcome)).toBe(ExitCode.ok);
  });

  it('is partially-failed when an item failed, failed when a fatal error was recorded', () => {
    const r = new RestoreReport();
    r.count('users', { failed: 1 });
    expect(r.outcome).toBe('partially-failed');
    expect(exitCodeForOutcome(r.outcome)).toBe(ExitCode.warnings);
    const e = new RestoreReport();
    e.itemError({ type: 'role-members', item: 'rol_1/auth0|a', codes: ['404'], message: 'no such user' });
    expect(e.outcome).toBe('partially-failed');
    e.fatal('token revoked');
    e.fatal('second');
    expect(e.outcome).toBe('failed');
    expect(e.toJSON().fatal).toBe('token revoked');
    expect(exitCodeForOutcome('failed')).toBe(ExitCode.internal);
  });
});
