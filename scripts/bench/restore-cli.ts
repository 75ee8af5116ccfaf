/**
 * The whole `a0vault restore --only users` through the BUILT CLI: a source tenant seeded with N
 * generated users is snapshotted to local storage, then restored into an empty tenant whose
 * import rate is R users/s per job. Timed from the outside (process start → exit) and, from
 * the `--progress json` events' timestamps, the users step (its `phase users` event → exit;
 * nothing follows it with --only users). Floor: N ÷ (2 × R).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnEmulator, type ReadyLine } from '../../test/emulator/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/cli/main.js');

interface CliRun {
  code: number | null;
  startedAt: number;
  endedAt: number;
  stdout: string;
  stderrLines: string[];
}

function runCli(args: string[], info: ReadyLine): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, AUTH0_DOMAIN: info.domain, AUTH0_CLIENT_ID: info.clientId, AUTH0_CLIENT_SECRET: info.clientSecret, NODE_EXTRA_CA_CERTS: info.caFile };
    const startedAt = Date.now();
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, startedAt, endedAt: Date.now(), stdout, stderrLines: stderr.split('\n').filter(Boolean) }));
  });
}

export interface CliRestoreResult {
  users: number;
  importRate: number;
  snapshotMs: number;
  restoreMs: number;
  usersStepMs: number;
  floorMs: number;
  usersStepOverFloor: number;
  restoreOverFloor: number;
  inserted?: number;
  outcome?: string;
}

export async function benchCliRestore(users: number, importRate: number): Promise<CliRestoreResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'a0vault-bench-cli-'));
  const source = await spawnEmulator(['--seed', 'empty', '--users', String(users), '--job-latency', '200'], { timeoutMs: 600_000 });
  let target: Awaited<ReturnType<typeof spawnEmulator>> | undefined;
  try {
    process.stderr.write(`cli: snapshot of ${users} users…\n`);
    const snap = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], source.info);
    if (snap.code !== 0) throw new Error(`snapshot failed (${String(snap.code)}): ${snap.stderrLines.slice(-5).join('\n')}`);
    const snapshotId = (JSON.parse(snap.stdout) as { snapshotId: string }).snapshotId;
    await source.stop();
    target = await spawnEmulator(['--seed', 'empty', '--import-rate', String(importRate), '--job-latency', '200'], { timeoutMs: 120_000 });
    process.stderr.write(`cli: restore --only users at ${importRate}/s per job…\n`);
    const r = await runCli(['restore', snapshotId, '--from', dir, '--only', 'users', '--to-other-tenant', '--yes', '--json', '--progress', 'json'], target.info);
    if (r.code !== 0) throw new Error(`restore failed (${String(r.code)}): ${r.stderrLines.slice(-5).join('\n')}`);
    const phase = r.stderrLines
      .map((l) => {
        try {
          return JSON.parse(l) as { ts?: string; type?: string; phase?: string };
        } catch {
          return {};
        }
      })
      .find((e) => e.type === 'phase' && e.phase === 'users');
    const usersFrom = phase?.ts ? Date.parse(phase.ts) : r.startedAt;
    const floorMs = (1000 * users) / (2 * importRate);
    const report = JSON.parse(r.stdout) as { outcome?: string; report?: { counts?: Record<string, { inserted?: number }> }; counts?: Record<string, { inserted?: number }> };
    const counts = report.report?.counts ?? report.counts ?? {};
    const inserted = Object.entries(counts).filter(([k]) => k.startsWith('users:')).reduce((a, [, c]) => a + (c.inserted ?? 0), 0);
    return {
      users,
      importRate,
      snapshotMs: snap.endedAt - snap.startedAt,
      restoreMs: r.endedAt - r.startedAt,
      usersStepMs: r.endedAt - usersFrom,
      floorMs,
      usersStepOverFloor: +((r.endedAt - usersFrom) / floorMs).toFixed(3),
      restoreOverFloor: +((r.endedAt - r.startedAt) / floorMs).toFixed(3),
      inserted,
      ...(report.outcome !== undefined ? { outcome: report.outcome } : {}),
    };
  } finally {
    await source.stop();
    await target?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
