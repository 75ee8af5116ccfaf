/**
 * The configuration side of a restore plan, timed against deploy-cli's own dry run.
 *
 * A fresh emulated tenant gets `objects` configuration objects through the Management API
 * (half roles, a quarter clients, a quarter resource servers). `a0vault snapshot` (the built
 * CLI) stores it; deploy-cli dumps it to a tenant.yaml. Then, against the same unchanged tenant,
 * each as a whole process and `runs` times in turn:
 * - `a0vault plan <snapshot> --only config`: reads the target through a deploy-cli dump and
 *   diffs it with the snapshot's configuration;
 * - deploy-cli's own dry run of that tenant.yaml (`a0deploy import -i tenant.yaml --dry-run`,
 *   its CLI, credentials from AUTH0_* in the environment): reads the target and prints its
 *   change table.
 * Both only read the tenant. Reports the medians and their ratio.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagementApi } from '../../src/auth0/client.js';
import { toCredentials } from '../../src/auth0/credentials.js';
import { runDeployCli } from '../../src/deploy-cli/run.js';
import { silentProgress } from '../../src/core/progress.js';
import { spawnEmulator, type ReadyLine } from '../../test/emulator/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface ProcessRun {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: performance.now() - t0, stdout, stderr }));
  });
}

/** Creates `objects` configuration objects, `concurrency` calls at a time. */
async function populate(api: ManagementApi, objects: number, concurrency = 20): Promise<Record<string, number>> {
  const roles = Math.round(objects / 2);
  const clients = Math.round(objects / 4);
  const apis = objects - roles - clients;
  const calls: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < roles; i++) calls.push(() => api.call((ro) => api.sdk.roles.create({ name: `bench-role-${i}`, description: `Role ${i} of the restore benchmark` }, ro)));
  for (let i = 0; i < clients; i++) {
    calls.push(() => api.call((ro) => api.sdk.clients.create({ name: `bench-client-${i}`, app_type: i % 2 === 0 ? 'non_interactive' : 'regular_web', callbacks: [`https://app${i}.bench.example.com/callback`] }, ro)));
  }
  for (let i = 0; i < apis; i++) {
    const scopes = [{ value: 'read:things', description: 'Read things' }, { value: 'write:things', description: 'Write things' }];
    calls.push(() => api.call((ro) => api.sdk.resourceServers.create({ name: `bench-api-${i}`, identifier: `https://api${i}.bench.example.com/`, scopes }, ro)));
  }
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < calls.length) await calls[next++]!();
  }));
  return { roles, clients, resourceServers: apis };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export interface ConfigBenchResult {
  objects: Record<string, number>;
  runs: number;
  planMs: number[];
  dryRunMs: number[];
  planMedianMs: number;
  dryRunMedianMs: number;
  planOverDryRun: number;
  planChanges: unknown;
  emulatorRequests: { plan: number; dryRun: number };
}

async function requestCount(info: ReadyLine): Promise<number> {
  return ((await (await fetch(`${info.admin}/stats`)).json()) as { total: number }).total;
}

export async function benchConfig(objects: number, runs: number): Promise<ConfigBenchResult> {
  const emu = await spawnEmulator(['--seed', 'empty', '--job-latency', '200'], { timeoutMs: 120_000 });
  const dir = await mkdtemp(path.join(tmpdir(), 'a0vault-bench-config-'));
  try {
    const { info } = emu;
    const env = { AUTH0_DOMAIN: info.domain, AUTH0_CLIENT_ID: info.clientId, AUTH0_CLIENT_SECRET: info.clientSecret, NODE_EXTRA_CA_CERTS: info.caFile };
    const api = new ManagementApi({ credentials: toCredentials({ domain: info.domain, clientId: info.clientId, clientSecret: info.clientSecret }) });
    process.stderr.write(`config: creating ${objects} objects…\n`);
    const created = await populate(api, objects);
    const store = path.join(dir, 'store');
    const cli = path.join(root, 'dist/cli/main.js');
    const snap = await run([cli, 'snapshot', '--to', store, '--json', '--progress', 'none'], env);
    if (snap.code !== 0) throw new Error(`snapshot failed (${String(snap.code)}): ${snap.stderr}`);
    const snapshotId = (JSON.parse(snap.stdout) as { snapshotId: string }).snapshotId;
    const dump = path.join(dir, 'dump');
    await runDeployCli(
      { kind: 'dump', credentials: { domain: info.domain, clientId: info.clientId, clientSecret: info.clientSecret }, outputFolder: dump, exportSecrets: false, apiMaxRetries: 10 },
      { signal: AbortSignal.timeout(900_000), progress: silentProgress, env },
    );
    const tenantYaml = path.join(dump, 'tenant.yaml');
    const a0deploy = path.join(root, 'node_modules/auth0-deploy-cli/lib/index.js');
    const planMs: number[] = [];
    const dryRunMs: number[] = [];
    const requests = { plan: 0, dryRun: 0 };
    let planChanges: unknown;
    for (let i = 0; i < runs; i++) {
      let before = await requestCount(info);
      const p = await run([cli, 'plan', snapshotId, '--from', store, '--only', 'config', '--json', '--progress', 'none'], env);
      if (p.code !== 0 && p.code !== 3) throw new Error(`plan failed (${String(p.code)}): ${p.stderr}`);
      planMs.push(Math.round(p.ms));
      requests.plan = (await requestCount(info)) - before;
      planChanges = (JSON.parse(p.stdout) as { summary?: unknown }).summary;
      before = await requestCount(info);
      const d = await run([a0deploy, 'import', '--input_file', tenantYaml, '--dry-run'], env);
      if (d.code !== 0) throw new Error(`deploy-cli dry run failed (${String(d.code)}): ${d.stderr.slice(-2000)}`);
      dryRunMs.push(Math.round(d.ms));
      requests.dryRun = (await requestCount(info)) - before;
      process.stderr.write(`config run ${i + 1}: plan ${planMs.at(-1)} ms, deploy-cli dry run ${dryRunMs.at(-1)} ms\n`);
    }
    const result: ConfigBenchResult = {
      objects: { ...created, tenantYamlBytes: (await readFile(tenantYaml)).length },
      runs,
      planMs,
      dryRunMs,
      planMedianMs: median(planMs),
      dryRunMedianMs: median(dryRunMs),
      planOverDryRun: +(median(planMs) / median(dryRunMs)).toFixed(3),
      planChanges,
      emulatorRequests: requests,
    };
    return result;
  } finally {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
