/**
 * Test helpers: `withEmulator(options, fn)` runs a tenant emulator in this process for the
 * duration of `fn`; `spawnEmulator(flags)` starts `test/emulator/main.ts` as a child process
 * (as other tools do), waits for its ready line and returns it with a `stop()` that sends
 * SIGTERM and waits for a clean exit.
 * Clients in the calling process must trust the emulator CA: vitest's global setup sets
 * NODE_EXTRA_CA_CERTS before workers start (test/setup/global-setup.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from './server.js';
import { repoRoot } from './tls.js';

export async function withEmulator<T>(options: EmulatorOptions, fn: (emulator: RunningEmulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator(options);
  try {
    return await fn(emulator);
  } finally {
    await emulator.close();
  }
}

export interface ReadyLine {
  domain: string;
  clientId: string;
  clientSecret: string;
  caFile: string;
  admin: string;
}

export interface SpawnedEmulator {
  info: ReadyLine;
  child: ChildProcess;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the emulator CLI with `flags` (e.g. ['--seed', 'demo']); `--port 0` unless given. */
export async function spawnEmulator(flags: string[] = [], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<SpawnedEmulator> {
  const args = ['--import', 'tsx', path.join(repoRoot, 'test/emulator/main.ts'), ...(flags.includes('--port') ? [] : ['--port', '0']), ...flags];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const info = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emulator did not print its ready line within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as ReadyLine);
      } catch (err) {
        reject(new Error(`emulator ready line is not JSON: ${line}`, { cause: err }));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${String(code)}) before it was ready; stderr: ${stderr}`));
    });
  });
  return {
    info,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
