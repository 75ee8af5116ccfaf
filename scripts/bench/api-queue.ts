/**
 * API queue benchmark (issue 4): assigns role memberships and organization memberships (10 user
 * ids per call, as Auth0 allows for organizations) against the tenant emulator at enterprise
 * limits (global 16/s burst 50; organization member writes also 200/min burst 20) and at free
 * limits (2/s burst 2), four ways, in one run:
 *   a0vault    the ApiQueue, no budget (all batches queued at once, as a restore does)
 *   budget50   the same with --api-budget 50
 *   loop       a plain sequential loop over the auth0 SDK with its default retries
 *   loop20     the same loop, Promise.all over chunks of 20 calls
 * Each phase (roles, then organizations) starts with full buckets and fresh roles/organizations.
 * Every call gets `--latency-ms` of server latency (default 200, a typical Auth0 round trip;
 * on loopback a sequential loop would otherwise not be latency-bound at all).
 * Counts of requests and 429s are the emulator's (server side); token requests are excluded.
 *
 * Usage: npx tsx scripts/bench/api-queue.ts [--scale 1] [--free-scale 0.2] [--latency-ms 200]
 *          [--presets enterprise,free] [--scenarios a0vault,budget50,loop,loop20]
 * (free limits take 350 s per scenario at full scale, so they run a fifth of the workload by
 * default). Writes scripts/bench/out/api-queue.json and prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ManagementClient } from 'auth0';
import { addOrganizationMembers, assignRoleUsers, ManagementApi, toCredentials } from '../../src/auth0/index.js';
import { parseRateLimit } from '../../test/emulator/rate-limit.js';
import { startEmulator, type RunningEmulator } from '../../test/emulator/server.js';
import { ensureEmulatorCa } from '../../test/emulator/tls.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

type Kind = 'roles' | 'orgs';
type Scenario = 'a0vault' | 'budget50' | 'loop' | 'loop20';
interface Limits {
  rate: number;
  burst: number;
}
const LIMITS: Record<string, Record<Kind, Limits>> = {
  enterprise: { roles: { rate: 16, burst: 50 }, orgs: { rate: 200 / 60, burst: 20 } },
  free: { roles: { rate: 2, burst: 2 }, orgs: { rate: 2, burst: 2 } },
};

interface PhaseResult {
  preset: string;
  scenario: Scenario;
  kind: Kind;
  memberships: number;
  calls: number;
  ok: number;
  failed: number;
  seconds: number;
  requests: number;
  tooMany: number;
  /** calls per second ÷ the sustained limit of the route */
  throughputOverLimit: number;
  /** burst-aware ideal time ÷ actual time */
  efficiency: number;
  /** most requests in any 10 s window ÷ (limit × 10 s) */
  maxShare10s: number;
}

async function userIds(emu: RunningEmulator, n: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const line of createInterface({ input: emu.tenant.users.streamState() })) {
    if (ids.length >= n) break;
    if (line.trim()) ids.push(String((JSON.parse(line) as { user_id: string }).user_id));
  }
  return ids;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function runPhase(emu: RunningEmulator, preset: string, scenario: Scenario, kind: Kind, users: string[], latencyMs: number, tag: string): Promise<PhaseResult> {
  const creds = { domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret };
  emu.limiter.configure(parseRateLimit('off'));
  emu.faults.configure({ rules: [] });
  const setup = new ManagementApi({ credentials: toCredentials(creds) });
  const targets: string[] = [];
  for (let i = 0; i < 10; i++) {
    const name = `${tag}-${kind}-${i}`;
    const created = kind === 'roles' ? await setup.call((ro) => setup.sdk.roles.create({ name }, ro)) : await setup.call((ro) => setup.sdk.organizations.create({ name }, ro));
    targets.push(String(created.id));
  }
  const perTarget = chunk(users, Math.ceil(users.length / targets.length));
  const calls = perTarget.flatMap((u, i) => chunk(u, 10).map((batch) => ({ target: targets[i] as string, batch })));

  const api = new ManagementApi({ credentials: toCredentials(creds), queue: { apiBudget: scenario === 'budget50' ? 50 : 100 } });
  const sdk = new ManagementClient(creds);
  await api.tokens.token(new AbortController().signal);
  await sdk.roles.list(); // fetches the SDK's token before the clock starts
  const send = (c: { target: string; batch: string[] }) =>
    kind === 'roles' ? sdk.roles.users.assign(c.target, { users: c.batch }) : sdk.organizations.members.create(c.target, { members: c.batch });

  emu.limiter.configure(parseRateLimit(preset));
  emu.faults.configure({ rules: [{ route: '/*', latencyMs }] });
  emu.stats.reset();
  const start = performance.now();
  let ok = 0;
  let failed = 0;
  if (scenario === 'a0vault' || scenario === 'budget50') {
    const results = await Promise.all(
      perTarget.map((u, i) => (kind === 'roles' ? assignRoleUsers(api, targets[i] as string, u) : addOrganizationMembers(api, targets[i] as string, u))),
    );
    failed = results.reduce((n, r) => n + r.failed.length, 0);
    ok = calls.length - failed;
  } else {
    for (const group of chunk(calls, scenario === 'loop20' ? 20 : 1)) {
      for (const r of await Promise.allSettled(group.map(send))) {
        if (r.status === 'fulfilled') ok++;
        else failed++;
      }
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const stats = emu.stats.snapshot();
  const tokenRequests = Object.values(stats.byRoute['POST /oauth/token'] ?? {}).reduce((a, b) => a + b, 0);
  const limits = LIMITS[preset]?.[kind] ?? { rate: 1, burst: 1 };
  const perSecond = Object.entries(stats.perSecond).map(([s, n]) => [Number(s), n] as const);
  let maxWindow = 0;
  for (const [s] of perSecond) maxWindow = Math.max(maxWindow, perSecond.filter(([t]) => t >= s && t < s + 10).reduce((a, [, n]) => a + n, 0));
  const ideal = Math.max(0, calls.length - limits.burst) / limits.rate;
  return {
    preset,
    scenario,
    kind,
    memberships: users.length,
    calls: calls.length,
    ok,
    failed,
    seconds: +seconds.toFixed(1),
    requests: stats.total - tokenRequests,
    tooMany: stats.tooManyRequests,
    throughputOverLimit: +(ok / seconds / limits.rate).toFixed(3),
    efficiency: +(ideal / seconds).toFixed(3),
    maxShare10s: +(maxWindow / (limits.rate * Math.min(10, Math.max(1, seconds)))).toFixed(3),
  };
}

function table(rows: PhaseResult[]): string {
  const head = '| limits | scenario | memberships | calls ok/failed | seconds | calls/s ÷ limit | ideal ÷ actual time | 429s / requests | max 10 s share |';
  const lines = rows.map(
    (r) =>
      `| ${r.preset} | ${r.scenario} | ${r.kind} ×${r.memberships} | ${r.ok}/${r.failed} | ${r.seconds} | ${r.throughputOverLimit} | ${r.efficiency} | ${r.tooMany}/${r.requests} (${((100 * r.tooMany) / Math.max(1, r.requests)).toFixed(1)} %) | ${r.maxShare10s} |`,
  );
  return [head, '| --- | --- | --- | --- | --- | --- | --- | --- | --- |', ...lines].join('\n');
}

async function main(): Promise<void> {
  const scale = Number(arg('scale', '1'));
  const freeScale = Number(arg('free-scale', '0.2'));
  const latencyMs = Number(arg('latency-ms', '200'));
  const presets = arg('presets', 'enterprise,free').split(',');
  const scenarios = arg('scenarios', 'a0vault,budget50,loop,loop20').split(',') as Scenario[];
  const emu = await startEmulator({ users: Math.ceil(5000 * Math.max(scale, freeScale)), rateLimit: 'off', onError: () => undefined });
  const rows: PhaseResult[] = [];
  try {
    for (const preset of presets) {
      const s = preset === 'free' ? freeScale : scale;
      for (const scenario of scenarios) {
        for (const kind of ['roles', 'orgs'] as Kind[]) {
          const users = await userIds(emu, Math.round((kind === 'roles' ? 5000 : 2000) * s));
          process.stderr.write(`${preset} ${scenario} ${kind}: ${users.length} memberships… `);
          const r = await runPhase(emu, preset, scenario, kind, users, latencyMs, `${preset}-${scenario}`);
          process.stderr.write(`${r.seconds} s, ${r.tooMany} × 429\n`);
          rows.push(r);
        }
      }
    }
  } finally {
    await emu.close();
  }
  const out = { date: new Date().toISOString(), node: process.version, latencyMs, scale, freeScale, rows };
  await mkdir(path.join(root, 'scripts/bench/out'), { recursive: true });
  await writeFile(path.join(root, 'scripts/bench/out/api-queue.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${table(rows)}\n`);
}

const ca = await ensureEmulatorCa();
if (process.env.NODE_EXTRA_CA_CERTS !== ca.caFile) {
  // The emulator's CA must be trusted from process start: run again with it (this process
  // talks to nothing else).
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile },
  });
  process.exit(r.status ?? 1);
} else {
  await main();
}
