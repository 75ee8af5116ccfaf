/**
 * Runs deploy-cli `dump` or `deploy` in a child process (see worker.ts for why) and resolves
 * when it finishes. The child's stdout/stderr lines are forwarded as progress `info` events
 * after secret values are masked. Aborting the signal kills the child.
 *
 * Errors: A0vaultError('api') carrying deploy-cli's message (with the failing resource type
 * and stage when deploy-cli gives them); CancelledError on abort.
 */
import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { fileURLToPath } from 'node:url';
import { A0vaultError, CancelledError } from '../core/errors.js';
import type { ProgressReporter } from '../core/progress.js';
import type { WorkerMessage, WorkerRequest } from './types.js';

export interface RunOptions {
  signal: AbortSignal;
  progress: ProgressReporter;
  /** Extra environment for the child (e.g. NODE_EXTRA_CA_CERTS is inherited anyway). */
  env?: NodeJS.ProcessEnv;
}

function workerPath(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    // running from source (tests, tsx): the child needs the TypeScript loader too
    return { file: here.replace(/run\.ts$/, 'worker.ts'), execArgv: ['--import', 'tsx'] };
  }
  return { file: here.replace(/run\.js$/, 'worker.js'), execArgv: [] };
}

/** Replaces every occurrence of the given secrets in a log line. */
export function maskSecrets(line: string, secrets: (string | undefined)[]): string {
  let out = line;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  }
  return out;
}

export function runDeployCli(request: WorkerRequest, options: RunOptions): Promise<void> {
  if (options.signal.aborted) return Promise.reject(new CancelledError('Operation cancelled'));
  const { file, execArgv } = workerPath();
  const secrets = [request.credentials.clientSecret, request.credentials.accessToken];
  const child = fork(file, [], {
    execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...options.env, AUTH0_DEBUG: undefined },
  });

  const forward = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    createInterface({ input: stream }).on('line', (raw) => {
      // deploy-cli colours its log lines; strip terminal escapes before masking
      const line = maskSecrets(stripVTControlCharacters(raw), secrets).trim();
      if (line.length > 0) options.progress.emit({ type: 'info', message: `deploy-cli: ${line}` });
    });
  };
  forward(child.stdout);
  forward(child.stderr);

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let failure: A0vaultError | undefined;
    let done = false;
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(new CancelledError('Operation cancelled', { cause: options.signal.reason }));
    };
    const finish = (err?: A0vaultError) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'done') done = true;
      else if (m.type === 'error') {
        const where = [m.resourceType, m.stage].filter(Boolean).join('/');
        failure = new A0vaultError('api', `deploy-cli ${request.kind} failed${where ? ` (${where})` : ''}: ${maskSecrets(m.message, secrets)}`);
      }
    });
    child.on('error', (err) => finish(new A0vaultError('internal', `could not start the deploy-cli worker`, { cause: err })));
    child.on('exit', (code, sig) => {
      if (failure) finish(failure);
      else if (done) finish();
      else finish(new A0vaultError('internal', `deploy-cli worker exited (${sig ?? code}) before finishing ${request.kind}`));
    });
    child.send(request);
  });
}
