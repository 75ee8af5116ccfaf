/**
 * Measures how long the tenant emulator takes to seed N users (default 1,000,000) and how much
 * memory it needs: starts `test/emulator/main.ts --seed empty --users N` as a child process,
 * times spawn → ready line, reads the child's peak RSS (VmHWM from /proc, sampled RSS where
 * /proc is missing), checks the user count through the Management API, then stops it.
 *
 *   npx tsx scripts/emulator-seed-bench.ts [--users 1000000] [--seed empty|demo]
 *
 * Prints one JSON line with the numbers. The targets: under 3 minutes, under 3 GB RSS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { spawnEmulator } from '../test/emulator/harness.js';

const { values } = parseArgs({ options: { users: { type: 'string', default: '1000000' }, seed: { type: 'string', default: 'empty' } } });
const users = Number(values.users);

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    try {
      return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim());
    } catch {
      return undefined;
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const emu = await spawnEmulator(['--seed', String(values.seed), '--users', String(users)], { timeoutMs: 15 * 60_000 });
  const readyMs = Date.now() - started;
  // VmHWM is the peak RSS since the child started (Linux); elsewhere only the current RSS is known
  const peakKb = rssKb(emu.child.pid ?? 0, 'VmHWM') ?? 0;
  const token = (await (
    await fetch(`https://${emu.info.domain}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: emu.info.clientId, client_secret: emu.info.clientSecret, audience: `https://${emu.info.domain}/api/v2/` }),
    })
  ).json()) as { access_token: string };
  const page = (await (
    await fetch(`https://${emu.info.domain}/api/v2/users?per_page=1&include_totals=true`, { headers: { authorization: `Bearer ${token.access_token}` } })
  ).json()) as { total?: number };
  const code = await emu.stop();
  const result = {
    users,
    seed: values.seed,
    readyMs,
    readySeconds: Math.round(readyMs / 100) / 10,
    peakRssMB: Math.round(peakKb / 1024),
    apiTotal: page.total,
    exitCode: code,
    node: process.version,
    within: { time: readyMs < 180_000, memory: peakKb < 3 * 1024 * 1024 },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.within.time || !result.within.memory) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  process.stderr.write(`emulator-seed-bench: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
