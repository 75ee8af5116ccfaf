/**
 * Restore benchmark (issue 6). Two parts, each against the tenant emulator:
 * - users (restore-users.ts): N exported-shaped users restored into an empty tenant at an
 *   emulated import rate R users/s per job; wall time of the users step ÷ the floor
 *   N ÷ (2 × R) (goal ≤ 1.05), mean import-file fill (goal ≥ 0.95), peak concurrent jobs (2);
 * - cli (restore-cli.ts): the same through the built CLI, `a0vault restore --only users` of a
 *   snapshot of N users (`--cli-users`, default 100,000);
 * - config (restore-config.ts): `a0vault plan` on a tenant holding a generated config of about
 *   2,000 objects ÷ deploy-cli's own dry run of the same config on the same tenant.
 * Writes scripts/bench/out/restore.json (merged with what is there, per part).
 *
 *   npx tsx scripts/bench/restore.ts [--part users|cli|config|all] [--users 1000000] [--rate 1000] [--objects 2000] [--runs 3] [--cli-users 100000]
 *
 * The cli and config parts run the BUILT CLI (dist/): `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureEmulatorCa } from '../../test/emulator/tls.js';
import { benchCliRestore } from './restore-cli.js';
import { benchConfig } from './restore-config.js';
import { benchUsers } from './restore-users.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outFile = path.join(root, 'scripts/bench/out/restore.json');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      part: { type: 'string', default: 'all' },
      users: { type: 'string', default: '1000000' },
      rate: { type: 'string', default: '1000' },
      objects: { type: 'string', default: '2000' },
      runs: { type: 'string', default: '3' },
      'cli-users': { type: 'string', default: '100000' },
    },
  });
  const part = values.part;
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(await readFile(outFile, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run
  }
  const out: Record<string, unknown> = { ...previous, node: process.version, cpus: cpus().length };
  if (part === 'users' || part === 'all') {
    const load = loadavg()[0];
    process.stderr.write(`users: ${values.users} at ${values.rate}/s per job…\n`);
    const r = await benchUsers(Number(values.users), Number(values.rate));
    out.users = { date: new Date().toISOString(), loadavg1mBefore: load, loadavg1mAfter: loadavg()[0], ...r };
    process.stderr.write(`${JSON.stringify(out.users)}\n`);
  }
  if (part === 'cli' || part === 'all') {
    const load = loadavg()[0];
    const r = await benchCliRestore(Number(values['cli-users']), Number(values.rate));
    out.cli = { date: new Date().toISOString(), loadavg1mBefore: load, loadavg1mAfter: loadavg()[0], ...r };
    process.stderr.write(`${JSON.stringify(out.cli)}\n`);
  }
  if (part === 'config' || part === 'all') {
    const load = loadavg()[0];
    const r = await benchConfig(Number(values.objects), Number(values.runs));
    out.config = { date: new Date().toISOString(), loadavg1mBefore: load, loadavg1mAfter: loadavg()[0], ...r };
    process.stderr.write(`${JSON.stringify(out.config)}\n`);
  }
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

const ca = await ensureEmulatorCa();
if (process.env.NODE_EXTRA_CA_CERTS !== ca.caFile) {
  // Node reads NODE_EXTRA_CA_CERTS at start only: run again trusting the emulator's CA.
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile },
  });
  process.exit(r.status ?? 1);
} else {
  await main().catch((err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = 1;
  });
}
