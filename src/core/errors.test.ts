import { describe, expect, it } from 'vitest';
import { A0vaultError, describeError, IntegrityError } from './errors.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

describe('errors', () => {
  it('keeps the cause chain in the description', () => {
    const inner = new Error('socket hang up');
    const err = new A0vaultError('storage', 'put failed', { cause: inner });
    expect(describeError(err)).toBe('put failed: socket hang up');
  });

  it('maps integrity errors to exit code 4', () => {
    expect(exitCodeFor(new IntegrityError('bad hash').code)).toBe(ExitCode.integrity);
    expect(exitCodeFor('cancelled')).toBe(130);
  });
});
