import { describe, expect, it } from 'vitest';
import { CancelledError } from '../core/errors.js';
import { createSecretResolver } from './secret-source.js';

const files: Record<string, string> = { '/s/crlf': 'value-1\r\n', '/s/two': 'line1\nline2\n\n' };
const readText = async (path: string) => {
  if (path in files) return files[path] as string;
  if (path === '/s/denied') throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
};

describe('createSecretResolver', () => {
  const resolve = createSecretResolver({ env: { SET: 'v', EMPTY: '' }, readText });

  it('reads variables; unset and empty ones are unavailable', async () => {
    expect(await resolve('K', { kind: 'env', name: 'SET' })).toBe('v');
    expect(await resolve('K', { kind: 'env', name: 'EMPTY' })).toBeUndefined();
    expect(await resolve('K', { kind: 'env', name: 'NOPE' })).toBeUndefined();
  });

  it('reads files without one trailing line break; a missing file is unavailable', async () => {
    expect(await resolve('K', { kind: 'file', path: '/s/crlf' })).toBe('value-1');
    expect(await resolve('K', { kind: 'file', path: '/s/two' })).toBe('line1\nline2\n');
    expect(await resolve('K', { kind: 'file', path: '/s/missing' })).toBeUndefined();
  });

  it('names the path of an unreadable file', async () => {
    await expect(resolve('K', { kind: 'file', path: '/s/denied' })).rejects.toMatchObject({ code: 'config', message: 'cannot read secret file /s/denied' });
  });

  it('stops once the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborted = createSecretResolver({ env: { SET: 'v' }, readText, signal: controller.signal });
    await expect(aborted('K', { kind: 'env', name: 'SET' })).rejects.toBeInstanceOf(CancelledError);
  });
});
