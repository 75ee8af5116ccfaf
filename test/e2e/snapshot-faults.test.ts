/**
 * Snapshot under faults, with the built CLI against the tenant emulator: a failed export job,
 * 5xx and 429 storms, SIGINT and kill -9 in the middle of a run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { repoRoot, runCli, tenantEnv } from './cli.js';

async function files(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).map(String);
  } catch {
    return [];
  }
}

/** Starts a snapshot and sends `signal` once the run reaches `phase` (a progress event). */
function interruptAt(emu: RunningEmulator, to: string, phase: string, signal: NodeJS.Signals): Promise<number | null> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/cli/main.js'), 'snapshot', '--to', to, '--progress', 'json'], {
    env: { ...process.env, ...tenantEnv(emu) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.includes(`"phase":"${phase}"`) && child.exitCode === null && !child.killed) child.kill(signal);
  });
  return new Promise((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig ? -1 : null))));
}

// each injected 429 costs a real wait until x-ratelimit-reset (about 1 s): generous timeouts
describe('snapshot under faults', { timeout: 240_000 }, () => {
  let emu: RunningEmulator;
  const dirs: string[] = [];
  const newDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'a0vault-faults-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    // export jobs stay 'processing' for a while so signals land inside the users phase
    emu = await startEmulator({ seed: 'demo', users: 300, jobLatencyMs: 1500 });
  });
  afterAll(async () => {
    await emu?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('replaces an export job that failed', async () => {
    emu.faults.configure({ seed: 7, rules: [{ kind: 'export-job', count: 1 }] });
    const dir = await newDir();
    const r = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'json'], tenantEnv(emu));
    emu.faults.configure({ rules: [] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/export job job_\w+ failed/);
    expect((JSON.parse(r.stdout) as { counts: { users: number } }).counts.users).toBe(emu.tenant.users.count());
  });

  it('completes through 5% of 503s and 429s on the Management API', async () => {
    emu.faults.configure({
      seed: 11,
      rules: [
        { route: '/jobs/*', status: 503, rate: 0.05 },
        { route: '/roles*', status: 503, rate: 0.05 },
        { route: '/organizations*', status: 429, rate: 0.05 },
        { route: '/users*', status: 429, rate: 0.05 },
      ],
    });
    const dir = await newDir();
    const r = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(emu));
    emu.faults.configure({ rules: [] });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { counts: { users: number; roleMembers: number } };
    expect(out.counts.users).toBe(emu.tenant.users.count());
  });

  it('SIGINT during the users phase: exit 130, no complete snapshot, lock released, next run succeeds', async () => {
    const dir = await newDir();
    const code = await interruptAt(emu, dir, 'users', 'SIGINT');
    expect(code).toBe(130);
    const left = await files(dir);
    expect(left.filter((f) => f.endsWith('.manifest.json'))).toEqual([]);
    expect(left.filter((f) => f.endsWith('lock.json'))).toEqual([]);
    const next = await runCli(['snapshot', '--to', dir, '--progress', 'none'], tenantEnv(emu));
    expect(next.code, next.stderr).toBe(0);
    const list = await runCli(['list', '--from', dir, '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(1);
  });

  it('kill -9 during the users phase: nothing listed complete, the stale lock is taken over', async () => {
    const dir = await newDir();
    await interruptAt(emu, dir, 'users', 'SIGKILL');
    const left = await files(dir);
    expect(left.filter((f) => f.endsWith('.manifest.json'))).toEqual([]);
    expect(left.filter((f) => f.endsWith('lock.json'))).toHaveLength(1);
    const list = await runCli(['list', '--from', dir, '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const next = await runCli(['snapshot', '--to', dir, '--progress', 'json'], tenantEnv(emu));
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/taking over stale lock/);
  });
});
