/**
 * The ordinary secret resolver for prepareClone: `env:NAME` from an environment object the
 * caller passes (the CLI passes process.env; engines never read it themselves), `file:/path`
 * from the file system, with one trailing line break removed (files written by `echo` or
 * mounted from a Kubernetes Secret often end with one).
 *
 * Contract: returns undefined for an unset or empty variable and for a missing file; other
 * read errors are thrown as A0vaultError('config') naming the path (never the content).
 */
import { readFile } from 'node:fs/promises';
import { throwIfAborted } from '../core/abort.js';
import { A0vaultError } from '../core/errors.js';
import type { SecretResolver } from './prepare.js';

export interface SecretResolverOptions {
  env: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  /** Injected for tests; defaults to fs.readFile. */
  readText?: (path: string, signal?: AbortSignal) => Promise<string>;
}

const defaultRead = (path: string, signal?: AbortSignal) => readFile(path, { encoding: 'utf8', ...(signal ? { signal } : {}) });

export function createSecretResolver(options: SecretResolverOptions): SecretResolver {
  const read = options.readText ?? defaultRead;
  return async (_keyword, source) => {
    throwIfAborted(options.signal);
    if (source.kind === 'env') {
      const value = options.env[source.name];
      return value === undefined || value === '' ? undefined : value;
    }
    try {
      return (await read(source.path, options.signal)).replace(/\r?\n$/, '');
    } catch (err) {
      throwIfAborted(options.signal);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new A0vaultError('config', `cannot read secret file ${source.path}`, { cause: err, details: { path: source.path } });
    }
  };
}
