/**
 * Fleets: 20 emulated tenants sharded over 4 shards, each tenant backed up exactly once.
 *
 * - In process, all 20: the real per-tenant snapshot of the CLI (credentials references, scope
 *   check, API client, snapshot engine, local storage) run by the fleet runner, the 4 shards at
 *   once as 4 tasks would be. Only deploy-cli is replaced by a light config dumper: a real dump
 *   costs about 12 s of CPU per tenant here (docs/fleets.md), too much for 20 in CI.
 * - Built CLI, a subset: 5 tenants plus one whose secret is wrong, `--shard i/4` for i = 0..3
 *   with real deploy-cli, `--metrics-file` and `--pushgateway` (a local stand-in gateway).
 * Completeness is checked on the storage: exactly one manifest per tenant.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/abort.js';
import { silentProgress } from '../../src/core/progress.js';
import { AgeRecipients } from '../../src/archive/encryption.js';
import { parseSnapshotKey } from '../../src/archive/layout.js';
import { readManifest } from '../../src/archive/manifest.js';
import { loadTenantsFile, runFleet, selectShard } from '../../src/fleet/index.js';
import { METRIC, parseExposition } from '../../src/metrics/index.js';
import { openStorage } from '../../src/storage/registry.js';
import { tenantSnapshotter } from '../../src/cli/commands/snapshot-fleet.js';
import type { ConfigDumper } from '../../src/snapshot/types.js';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { runCli } from './cli.js';

const TENANTS = 20;
const SHARDS = 4;

/** Writes a minimal deploy-cli dump (stands in for deploy-cli in the in-process run). */
const lightDumper: ConfigDumper = {
  async dump(folder) {
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'tenant.yaml'), 'roles: []\nclients: []\ntenant:\n  friendly_name: fleet\n');
  },
};

/** Manifest keys in a storage location, per tenant domain. */
async function manifestsOf(location: string): Promise<Map<string, string[]>> {
  const storage = openStorage(location, {});
  const keys = new Map<string, string[]>();
  for await (const o of storage.list('', { signal: AbortSignal.timeout(30_000) })) {
    const k = parseSnapshotKey(o.key);
    if (k?.kind === 'manifest') keys.set(k.tenant, [...(keys.get(k.tenant) ?? []), o.key]);
  }
  return keys;
}

async function manifestsPerTenant(location: string): Promise<Map<string, number>> {
  return new Map([...(await manifestsOf(location))].map(([t, keys]) => [t, keys.length]));
}

const envName = (i: number, what: 'ID' | 'SECRET') => `FLEET_T${i}_${what}`;

function tenantsYaml(emus: { domain: string }[], indexes: number[]): string {
  return `tenants:\n${indexes.map((i) => `  - domain: "${emus[i]?.domain}"\n    credentials: { clientIdEnv: ${envName(i, 'ID')}, clientSecretEnv: ${envName(i, 'SECRET')} }\n`).join('')}`;
}

describe('fleet snapshots: 20 emulated tenants over 4 shards', { timeout: 600_000 }, () => {
  const emus: RunningEmulator[] = [];
  const env: Record<string, string> = {};
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-fleet-'));
    const t0 = Date.now();
    for (let i = 0; i < TENANTS; i++) {
      const emu = await startEmulator({ seed: 'empty', users: 1 + (i % 5), jobLatencyMs: 50 });
      emus.push(emu);
      env[envName(i, 'ID')] = emu.clientId;
      env[envName(i, 'SECRET')] = emu.clientSecret;
    }
    console.log(`fleet: started ${TENANTS} emulators in ${Date.now() - t0} ms`);
  }, 300_000);

  afterAll(async () => {
    for (const e of emus) await e.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('in process: the 4 shards back up each of the 20 tenants exactly once (encrypted)', async () => {
    const encryptTo = AgeRecipients.parse({ values: [await identityToRecipient(await generateX25519Identity())] });
    const tenantsFile = path.join(dir, 'all.yaml');
    await writeFile(tenantsFile, tenantsYaml(emus, [...emus.keys()].reverse()));
    const file = await loadTenantsFile(tenantsFile, AbortSignal.timeout(10_000));
    const location = path.join(dir, 'in-process');
    const storage = openStorage(location, {});
    const snapshotTenant = tenantSnapshotter({ storage, progress: silentProgress, baseDir: file.baseDir, env, apiBudget: 50, encryptTo, dumperFor: () => lightDumper });
    const t0 = Date.now();
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, index) =>
        runFleet(selectShard(file.tenants, { index, count: SHARDS }), snapshotTenant, { clock: systemClock, signal: AbortSignal.timeout(300_000), progress: silentProgress }),
      ),
    );
    console.log(`fleet: 20 tenants in process, 4 shards at once: ${Date.now() - t0} ms`);

    // the sorted-domain rule gives every shard 5 of the 20
    expect(shards.map((s) => s.length)).toEqual([5, 5, 5, 5]);
    const failures = shards.flat().filter((r) => r.outcome !== 'success');
    expect(failures, JSON.stringify(failures)).toEqual([]);

    const perTenant = await manifestsPerTenant(location);
    expect([...perTenant.keys()].sort()).toEqual(emus.map((e) => e.domain).sort());
    expect([...perTenant.values()].every((n) => n === 1)).toBe(true);
    for (const r of shards.flat()) {
      const emu = emus.find((e) => e.domain === r.domain);
      expect(r.value?.users).toBe(emu?.tenant.users.count());
    }
    for (const [, [key]] of await manifestsOf(location)) {
      expect((await readManifest(storage, key ?? '', { signal: AbortSignal.timeout(10_000) })).encryption?.recipients).toBe(1);
    }
  });

  it('built CLI: --shard i/4 over 5 tenants and a broken one; exit 3 only where a tenant failed; metrics per tenant', async () => {
    const good = [0, 1, 2, 3, 4];
    const broken = 5;
    const tenantsFile = path.join(dir, 'subset.yaml');
    await writeFile(tenantsFile, tenantsYaml(emus, [...good, broken]));
    const cliEnv = { ...env, [envName(broken, 'SECRET')]: 'wrong-secret-value' };
    const location = path.join(dir, 'cli');
    const pushes: { method: string; url: string; body: string }[] = [];
    const gateway: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        pushes.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const pushgateway = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    try {
      const t0 = Date.now();
      const runShard = (index: number) =>
        runCli(
          ['snapshot', '--tenants', tenantsFile, '--shard', `${index}/${SHARDS}`, '--to', location, '--json', '--progress', 'none', '--metrics-file', path.join(dir, `shard-${index}.prom`), '--pushgateway', pushgateway],
          cliEnv,
        );
      // two tasks at a time (2 cores)
      const runs = [...(await Promise.all([runShard(0), runShard(1)])), ...(await Promise.all([runShard(2), runShard(3)]))];
      console.log(`fleet: 4 CLI shards over 6 tenants (5 real deploy-cli dumps), 2 at a time: ${Date.now() - t0} ms`);

      const brokenDomain = emus[broken]?.domain ?? '';
      const seen: string[] = [];
      for (const [index, run] of runs.entries()) {
        expect(run.stdout + run.stderr).not.toContain('wrong-secret-value');
        expect(run.stdout, `shard ${index} printed no result: ${run.stderr}`).not.toBe('');
        const out = JSON.parse(run.stdout) as { shard: { index: number; count: number }; tenants: { domain: string; outcome: string; error?: { code: string } }[] };
        expect(out.shard).toEqual({ index, count: SHARDS });
        expect(out.tenants.length, `shard ${index} is empty`).toBeGreaterThan(0);
        const hasBroken = out.tenants.some((t) => t.domain === brokenDomain);
        expect(run.code, run.stderr).toBe(hasBroken ? 3 : 0);
        for (const t of out.tenants) {
          seen.push(t.domain);
          expect(t.outcome).toBe(t.domain === brokenDomain ? 'failed' : 'success');
        }
        const prom = parseExposition(await readFile(path.join(dir, `shard-${index}.prom`), 'utf8'));
        for (const t of out.tenants) {
          const outcome = prom.find((s) => s.name === METRIC.outcome && s.labels.tenant === t.domain && s.labels.outcome === t.outcome);
          expect(outcome?.value).toBe(1);
          const lastSuccess = prom.find((s) => s.name === METRIC.lastSuccess && s.labels.tenant === t.domain);
          if (t.outcome === 'success') expect(lastSuccess?.value).toBeGreaterThan(t0 / 1000 - 1);
          else expect(lastSuccess).toBeUndefined();
        }
      }
      expect(seen.sort()).toEqual([...good, broken].map((i) => emus[i]?.domain).sort());

      const perTenant = await manifestsPerTenant(location);
      expect([...perTenant.keys()].sort()).toEqual(good.map((i) => emus[i]?.domain).sort());
      expect([...perTenant.values()].every((n) => n === 1)).toBe(true);

      expect(pushes.map((p) => p.method)).toEqual(Array(6).fill('POST'));
      expect(pushes.map((p) => decodeURIComponent(p.url.replace(/^\/metrics\/job\/a0vault\/tenant\//, ''))).sort()).toEqual(seen);
      for (const p of pushes) expect(p.body).toContain(`${METRIC.outcome}{outcome="success"}`);
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });

  it('built CLI, one tenant: a failed run keeps the last success time of the metrics file', async () => {
    const emu = emus[6] as RunningEmulator;
    const metricsFile = path.join(dir, 'single.prom');
    const location = path.join(dir, 'single');
    const creds = { AUTH0_DOMAIN: emu.domain, AUTH0_CLIENT_ID: emu.clientId };
    const ok = await runCli(['snapshot', '--to', location, '--progress', 'none', '--metrics-file', metricsFile], { ...creds, AUTH0_CLIENT_SECRET: emu.clientSecret });
    expect(ok.code, ok.stderr).toBe(0);
    const first = parseExposition(await readFile(metricsFile, 'utf8'));
    const success = first.find((s) => s.name === METRIC.lastSuccess && s.labels.tenant === emu.domain)?.value;
    expect(success).toBeGreaterThan(0);
    expect(first.find((s) => s.name === METRIC.users)?.value).toBe(emu.tenant.users.count());

    const bad = await runCli(['snapshot', '--to', location, '--progress', 'none', '--metrics-file', metricsFile], { ...creds, AUTH0_CLIENT_SECRET: 'wrong-secret-value' });
    expect(bad.code).not.toBe(0);
    const second = parseExposition(await readFile(metricsFile, 'utf8'));
    expect(second.find((s) => s.name === METRIC.lastSuccess && s.labels.tenant === emu.domain)?.value).toBe(success);
    expect(second.find((s) => s.name === METRIC.outcome && s.labels.outcome === 'failed')?.value).toBe(1);
    expect(second.find((s) => s.name === METRIC.lastRun)?.value).toBeGreaterThanOrEqual(success ?? Infinity);
  });
});
