/**
 * Snapshot benchmark: 100k and 1M users in the tenant emulator, each snapshotted to local
 * storage by a separate process (scripts/bench/snapshot-worker.ts). Reports, from one run:
 * - peak RSS of the snapshot process at 1M ÷ at 100k (goal ≤ 1.2: memory does not grow with
 *   users), and the 1M peak itself (goal < 300 MB);
 * - user-path time (export job → archive entry) ÷ a raw copy of the same export bytes to the same
 *   storage (goal ≤ 1.3; the export job's own wait is included in the user path, as an operator
 *   sees it, and also reported without it), and the user counter alone ÷ the raw copy (the
 *   floor of the users path: the archive entry is complete only once every user is counted).
 * Writes scripts/bench/out/snapshot.json. Usage: npx tsx scripts/bench/snapshot.ts [sizes…]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnEmulator } from '../../test/emulator/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function runWorker(location: string, env: NodeJS.ProcessEnv): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/snapshot-worker.ts'), location], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`worker exited ${String(code)}`))));
  });
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const counts = sizes.length > 0 ? sizes : [100_000, 1_000_000];
  const results: Record<string, Record<string, number>> = {};
  for (const n of counts) {
    process.stderr.write(`seeding ${n} users…\n`);
    const emu = await spawnEmulator(['--seed', 'empty', '--users', String(n), '--job-latency', '200'], { timeoutMs: 600_000 });
    const dir = await mkdtemp(path.join(tmpdir(), 'a0vault-bench-'));
    try {
      const env = { AUTH0_DOMAIN: emu.info.domain, AUTH0_CLIENT_ID: emu.info.clientId, AUTH0_CLIENT_SECRET: emu.info.clientSecret, NODE_EXTRA_CA_CERTS: emu.info.caFile };
      process.stderr.write(`snapshot of ${n} users…\n`);
      results[n] = await runWorker(dir, env);
      process.stderr.write(`${JSON.stringify(results[n])}\n`);
    } finally {
      await emu.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  const small = results[counts[0] as number];
  const large = results[counts.at(-1) as number];
  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    results,
    rssRatioLargeOverSmall: small && large ? +(large.peakRssBytes! / small.peakRssBytes!).toFixed(3) : undefined,
    usersPathOverRawCopy: Object.fromEntries(Object.entries(results).map(([n, r]) => [n, +(r.usersPathMs! / r.rawCopyMs!).toFixed(3)])),
    downloadToArchiveOverRawCopy: Object.fromEntries(Object.entries(results).map(([n, r]) => [n, +(r.downloadToArchiveMs! / r.rawCopyMs!).toFixed(3)])),
    countOnlyOverRawCopy: Object.fromEntries(Object.entries(results).map(([n, r]) => [n, +(r.countOnlyMs! / r.rawCopyMs!).toFixed(3)])),
  };
  await mkdir(path.join(root, 'scripts/bench/out'), { recursive: true });
  await writeFile(path.join(root, 'scripts/bench/out/snapshot.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
