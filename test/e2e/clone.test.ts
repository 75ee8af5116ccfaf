/**
 * Issue 7, "Clone production config into a fresh test tenant", through the BUILT CLI: every real
 * tenant configuration is deployed into a source emulator (as restore-fidelity does), given
 * users with role memberships, snapshotted with `a0vault snapshot`, then
 * `a0vault clone latest --mappings test/fixtures/clone/e2e/<name>.yaml --users sample:10
 * --scrub-pii` into an EMPTY emulator. Checked on the target itself (its whole config state):
 * no production host and not the source's own `localhost:<port>` remain, every injected secret
 * arrived, no placeholder reached it (actions' code excepted: code is never rewritten); the
 * clone's stdout/stderr never hold a secret value; exactly min(10, source) database users
 * arrived, all pseudonymised, with their role memberships and nobody else's, and no membership
 * error or warning.
 *
 * vibecodes-comingsoon (the tenant with secrets) also runs first with two secrets unmapped and a
 * third one's variable unset: exit 2, one error naming all three, the target unchanged; and after
 * the clone, the same clone as a dry run plans no change. The demo tenant is cloned with its hosts
 * rewritten and logStreams + emailProvider excluded, twice into two empty tenants: both absent,
 * and the same A0VAULT_SCRUB_SALT gives the same pseudonyms.
 *
 * (The e2e mapping files differ from test/fixtures/clone/*.yaml, written for the raw files: after
 * deploy + dump the snapshot holds deployed values, not the source's `##KEY##` markers, and
 * deploy-cli's own secret placeholders. Each deploy costs ~15-30 s of CPU: one per source and
 * one per clone.)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementApi } from '../../src/auth0/client.js';
import { toCredentials } from '../../src/auth0/credentials.js';
import { assignRoleUsers, listRoles } from '../../src/auth0/roles.js';
import { silentProgress } from '../../src/core/progress.js';
import { runDeployCli } from '../../src/deploy-cli/run.js';
import { configState } from '../emulator/admin.js';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { fixtureMappings, prepareFixture, realTenantNames } from '../real-clients/support.js';
import { repoRoot, runCli, tenantEnv, type CliResult } from './cli.js';

/** Production hosts of each configuration (as in test/clone), plus the test hosts its keyword-mappings.json deployed. */
const PRODUCTION_HOSTS: Record<string, string[]> = {
  'zenika-til': ['i.imgur.com', 'localhost:6058', 'localhost:8080'],
  'compe-plus': ['compe.plus'],
  'dhirendrak-auth0-config': ['people-service.com', 'tenant-a.emulator.test'],
  'vibecodes-comingsoon': ['vibecodes.space'],
  demo: ['example.test'],
};

/** Secret values the e2e mapping files read (env:NAME); one holds a quote (deploy-cli's `@@KEY@@` form). */
const SECRET_ENV: Record<string, string> = {
  E2E_CLONE_GITHUB_SECRET: 'e2e-clone-github-7f3a91',
  E2E_CLONE_GOOGLE_SECRET: "e2e-clone-google-with-'quote-55c2",
  E2E_CLONE_DATADOG_SECRET: 'e2e-clone-datadog-0d81e4',
  E2E_CLONE_ADMIN_USER_ID: 'auth0|e2e-clone-admin-93be01',
  E2E_CLONE_CLAIM_NAMESPACE: 'https://claims.example-clone.dev/e2e-4411',
};
const SALT = 'e2e-clone-salt-2f9c';
const SOURCE_USERS = 14;

interface CloneOut {
  outcome: string;
  summary: { changes: number };
  counts?: Record<string, { inserted: number; updated: number; failed: number }>;
  warnings?: { type: string; message: string }[];
  errors?: { type: string; item: string; message: string }[];
}

interface TargetUser {
  user_id: string;
  email?: string;
  name?: string;
  identities?: { provider?: string; connection?: string }[];
}

async function readNdjson<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

const usersOf = (emu: RunningEmulator) => readNdjson<TargetUser>(emu.tenant.users.streamState());
const membershipsOf = (emu: RunningEmulator) => readNdjson<{ kind: string; user_id?: string }>(emu.tenant.users.streamMemberships());

/** Users (with a name and a role each, when the tenant has roles) created through the Management API. */
async function addUsers(emu: RunningEmulator, prefix: string): Promise<string[]> {
  const api = new ManagementApi({ credentials: toCredentials({ domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret }) });
  const ids: string[] = [];
  const emails: string[] = [];
  for (let i = 0; i < SOURCE_USERS; i++) {
    const email = `${prefix}.person${i}@corp-source.example`;
    const u = await api.call((ro) =>
      api.sdk.users.create({ connection: 'Username-Password-Authentication', email, password: `Clone!${i}-long-Passw0rd`, name: `Source Person ${i}`, user_metadata: { i } }, ro),
    );
    ids.push(String((u as { user_id?: string }).user_id));
    emails.push(email);
  }
  for await (const role of listRoles(api)) {
    if (role.id) await assignRoleUsers(api, role.id, ids);
    break;
  }
  return emails;
}

async function deployRealTenant(emu: RunningEmulator, name: string): Promise<void> {
  const fixture = await prepareFixture(name);
  try {
    await runDeployCli(
      {
        kind: 'deploy',
        credentials: { domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret },
        inputFile: fixture.inputFile,
        allowDelete: false,
        excluded: ['migrations'],
        keywordMappings: await fixtureMappings(name, emu.domain),
        apiMaxRetries: 2,
      },
      { signal: AbortSignal.timeout(480_000), progress: silentProgress },
    );
  } finally {
    await rm(fixture.dir, { recursive: true, force: true });
  }
}

async function snapshot(emu: RunningEmulator, dir: string): Promise<void> {
  const r = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(emu), { timeoutMs: 300_000 });
  expect(r.code, r.stderr).toBe(0);
}

function clone(dir: string, mappingFile: string, target: RunningEmulator, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(
    ['clone', 'latest', '--from', dir, '--mappings', mappingFile, '--yes', '--json', '--users', 'sample:10', '--scrub-pii', '--progress', 'none'],
    { ...tenantEnv(target), ...SECRET_ENV, A0VAULT_SCRUB_SALT: SALT, ...extraEnv },
    { timeoutMs: 540_000 },
  );
}

const mappingPath = (name: string) => path.join(repoRoot, 'test/fixtures/clone/e2e', `${name}.yaml`);

/** The secret values a mapping file reads, by the env:NAME it names. */
async function mappedSecrets(name: string): Promise<string[]> {
  const text = await readFile(mappingPath(name), 'utf8');
  return [...text.matchAll(/env:([A-Z0-9_]+)/g)].map((m) => SECRET_ENV[m[1] as string]).filter((v): v is string => v !== undefined);
}

/**
 * The state without the actions' code (`code` at any depth: actions, their versions and
 * deployed_version): code is never rewritten (docs/clone.md, "What is rewritten"; the demo's
 * actions name https://example.test/… claim namespaces). Everything else is checked.
 */
function withoutActionCode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutActionCode);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'code').map(([k, v]) => [k, withoutActionCode(v)]));
}

/** Everything the checks below assert of a target after a completed clone. */
async function expectCleanTarget(o: { name: string; source: RunningEmulator; target: RunningEmulator; result: CliResult; sourceEmails: string[] }): Promise<TargetUser[]> {
  const { result, target } = o;
  expect(result.code, `${result.stderr}\n${result.stdout.slice(0, 4000)}`).toBe(0);
  const out = JSON.parse(result.stdout) as CloneOut;
  expect(out.outcome).toBe('completed');
  // memberships of users outside the sample are left out, not attempted (they 404ed) nor warned about
  expect(out.errors ?? []).toEqual([]);
  expect((out.warnings ?? []).filter((w) => w.type === 'memberships')).toEqual([]);

  const stateRaw = JSON.stringify(configState(target.store));
  const state = JSON.stringify(withoutActionCode(configState(target.store))).toLowerCase();
  for (const host of [...(PRODUCTION_HOSTS[o.name] ?? []), o.source.domain]) {
    const at = state.indexOf(host.toLowerCase());
    expect(at < 0 ? undefined : state.slice(Math.max(0, at - 300), at + 100), `${host} in the target's configuration`).toBeUndefined();
  }
  expect(stateRaw, 'a placeholder reached the target').not.toMatch(/##[A-Z0-9_]+##|@@[A-Z0-9_]+@@/);
  const secrets = await mappedSecrets(o.name);
  for (const secret of secrets) {
    expect(stateRaw, 'an injected secret did not arrive').toContain(JSON.stringify(secret).slice(1, -1));
    expect(result.stdout, 'a secret in stdout').not.toContain(secret);
    expect(result.stderr, 'a secret in stderr').not.toContain(secret);
  }

  const users = await usersOf(target);
  const sourceDb = (await usersOf(o.source)).filter((u) => u.identities?.[0]?.provider === 'auth0');
  expect(users).toHaveLength(Math.min(10, sourceDb.length));
  const sourceEmails = new Set([...o.sourceEmails, ...sourceDb.map((u) => u.email)].map((e) => String(e).toLowerCase()));
  for (const u of users) {
    expect(u.email).toMatch(/^u-[0-9a-f]{16}@example\.invalid$/);
    expect(sourceEmails.has(String(u.email))).toBe(false);
    expect(u.name ?? '').not.toMatch(/Source Person/);
  }
  const sourceIds = new Set(sourceDb.map((u) => u.user_id));
  for (const u of users) expect(sourceIds.has(u.user_id), `${u.user_id} is not a source user`).toBe(true);
  const targetText = JSON.stringify(users).toLowerCase();
  for (const e of sourceEmails) expect(targetText).not.toContain(e);

  // the sampled users' role memberships arrived, and nobody else's
  const sampled = new Set(users.map((u) => u.user_id));
  const sourceRoleMembers = (await membershipsOf(o.source)).filter((m) => m.kind === 'role-member' && sampled.has(String(m.user_id)));
  const targetMembers = await membershipsOf(target);
  for (const m of targetMembers) expect(sampled.has(String(m.user_id)), `membership of ${String(m.user_id)}`).toBe(true);
  expect(targetMembers.filter((m) => m.kind === 'role-member')).toHaveLength(sourceRoleMembers.length);
  return users;
}

describe('a0vault clone into an empty tenant (built CLI)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'a0vault-clone-e2e-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it.each(realTenantNames())('%s: no production host, secrets injected, 10 scrubbed users', { timeout: 600_000 }, async (name) => {
    const dir = path.join(root, name);
    const source = await startEmulator({ seed: 'empty' });
    const target = await startEmulator({ seed: 'empty', importRate: 5000, jobLatencyMs: 50 });
    try {
      await deployRealTenant(source, name);
      const sourceEmails = await addUsers(source, name);
      await snapshot(source, dir);

      if (name === 'vibecodes-comingsoon') {
        // two secrets unmapped and a third one's variable unset: exit 2 before any change, one
        // error naming all three
        const before = JSON.stringify(configState(target.store));
        const text = (await readFile(mappingPath(name), 'utf8')).replace(/^ {2}CONNECTIONS_GITHUB_SECRET:.*\n/m, '').replace(/^ {2}LOGSTREAMS_DATADOG_SECRET:.*\n/m, '');
        const partial = path.join(root, `${name}-partial.yaml`);
        await writeFile(partial, text);
        const failed = await clone(dir, partial, target, { E2E_CLONE_GOOGLE_SECRET: undefined });
        const output = failed.stderr + failed.stdout;
        expect(failed.code, output).toBe(2);
        expect(output).toContain('2 placeholder(s) have no mapping');
        for (const keyword of ['CONNECTIONS_GITHUB_SECRET', 'LOGSTREAMS_DATADOG_SECRET']) expect(output).toContain(keyword);
        expect(output).toContain('CONNECTIONS_GOOGLE_OAUTH2_SECRET: env:E2E_CLONE_GOOGLE_SECRET is not available');
        for (const secret of Object.values(SECRET_ENV)) expect(output).not.toContain(secret);
        expect(JSON.stringify(configState(target.store))).toBe(before);
        expect(target.tenant.users.count()).toBe(0);
      }

      const result = await clone(dir, mappingPath(name), target);
      const users = await expectCleanTarget({ name, source, target, result, sourceEmails });

      if (name === 'vibecodes-comingsoon') {
        // the same clone again, as a dry run: nothing to change (the same pseudonyms; injected
        // secrets, one through '@@KEY@@', are not shown as changes) and no secret in the plan
        const again = await runCli(
          ['clone', 'latest', '--from', dir, '--mappings', mappingPath(name), '--dry-run', '--json', '--users', 'sample:10', '--scrub-pii', '--progress', 'none'],
          { ...tenantEnv(target), ...SECRET_ENV, A0VAULT_SCRUB_SALT: SALT },
          { timeoutMs: 540_000 },
        );
        expect(again.code, again.stderr).toBe(0);
        const plan = JSON.parse(again.stdout) as { summary: unknown; users: unknown };
        expect(plan.summary).toEqual({ changes: 0, creates: 0, updates: 0, deletes: 0 });
        for (const secret of Object.values(SECRET_ENV)) expect(again.stdout + again.stderr).not.toContain(secret);
        expect(again.stdout).not.toMatch(/@@[A-Z0-9_]+@@/);
        expect(users).toHaveLength(10);
      }
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('demo tenant: hosts rewritten, logStreams excluded, the same pseudonyms on a second clone', { timeout: 600_000 }, async () => {
    const dir = path.join(root, 'demo');
    const source = await startEmulator({ seed: 'demo', users: 50 });
    const first = await startEmulator({ seed: 'empty', importRate: 5000, jobLatencyMs: 50 });
    const second = await startEmulator({ seed: 'empty', importRate: 5000, jobLatencyMs: 50 });
    try {
      const logStreams = (emu: RunningEmulator) => (configState(emu.store).collections as Record<string, unknown[]>)['log-streams'] ?? [];
      const emailProvider = (emu: RunningEmulator) => (configState(emu.store).singletons as Record<string, unknown>)['/emails/provider'];
      expect(logStreams(source).length).toBeGreaterThan(0);
      expect(emailProvider(source)).toBeDefined();
      await snapshot(source, dir);
      const a = await expectCleanTarget({ name: 'demo', source, target: first, result: await clone(dir, mappingPath('demo'), first), sourceEmails: [] });
      expect(logStreams(first)).toEqual([]);
      expect(emailProvider(first)).toBeUndefined();
      const b = await expectCleanTarget({ name: 'demo', source, target: second, result: await clone(dir, mappingPath('demo'), second), sourceEmails: [] });
      const pseudonyms = (users: TargetUser[]) => users.map((u) => `${u.user_id} ${u.email}`).sort();
      expect(pseudonyms(b)).toEqual(pseudonyms(a));
    } finally {
      await source.close();
      await first.close();
      await second.close();
    }
  });
});
