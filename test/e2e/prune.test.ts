/**
 * `a0vault prune` as a user runs it (the built CLI): local storage with sample snapshots, the
 * config file's locations and retention, and a GCS bucket whose retention policy protects
 * recent objects (exit 3, reported as protected). Run `npm run build` first.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshots } from '../../src/archive/catalog.js';
import { LocalBackend } from '../../src/storage/local.js';
import { openStorage } from '../../src/storage/registry.js';
import { SAMPLE } from '../../scripts/fixtures/sample-snapshot.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';
import { idAt, writeSamples } from '../retention/support.js';
import { runCli } from './cli.js';

const signal = new AbortController().signal;
const IDS = [idAt('2026-11-01T03:00:00Z'), idAt('2026-11-20T03:00:00Z'), idAt('2026-11-24T03:00:00Z'), idAt('2026-11-25T03:00:00Z'), idAt('2026-11-25T04:00:00Z')];
// no config file from the environment or the working directory may leak into these runs
const ENV = { A0VAULT_CONFIG: '', A0VAULT_GCS_ENDPOINT: '' };

interface PruneJson {
  kept: { snapshotId: string; reasons: string[] }[];
  removed: { snapshotId: string; keys: string[] }[];
  protected: { snapshotId: string; stillListed: boolean; objects: { key: string; retainUntil?: string }[] }[];
  policy?: Record<string, unknown>;
  policies?: Record<string, unknown>;
}

describe('a0vault prune (built CLI)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-e2e-prune-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function location(name: string): Promise<{ root: string; storage: LocalBackend }> {
    const root = path.join(dir, name);
    const storage = new LocalBackend({ root });
    await writeSamples(storage, IDS, signal);
    return { root, storage };
  }

  it('without any keep flag (and no config retention) exits 2 and removes nothing', async () => {
    const { root, storage } = await location('no-policy');
    const r = await runCli(['prune', '--from', root], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no retention policy/);
    expect(await listSnapshots(storage, { signal })).toHaveLength(IDS.length);
  });

  it('--dry-run prints kept (with reasons) and would-be-removed tables and removes nothing', async () => {
    const { root, storage } = await location('dry');
    const r = await runCli(['prune', '--from', root, '--keep-daily', '2', '--dry-run', '--progress', 'none'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(dry run: nothing removed)');
    expect(r.stdout).toMatch(new RegExp(`${SAMPLE.domain.replace(/\./g, '\\.')}\\s+${IDS[4]}\\s+\\S+\\s+daily snapshot`));
    expect(r.stdout).toContain('would remove 3 snapshot(s):');
    expect(await listSnapshots(storage, { signal })).toHaveLength(IDS.length);
  });

  it('--json: removes what the policy does not keep; the rest still lists and verifies', async () => {
    const { root, storage } = await location('json');
    const r = await runCli(['prune', '--from', root, '--keep-last', '1', '--keep-monthly', '2', '--json', '--progress', 'none'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PruneJson;
    expect(doc.policy).toEqual({ last: 1, monthly: 2 });
    expect(doc.kept.map((k) => [k.snapshotId, k.reasons])).toEqual([
      [IDS[4], ['last snapshot', 'monthly snapshot']],
      [IDS[0], ['oldest monthly snapshot']], // all in one month: the rule has count left at the oldest
    ]);
    expect(doc.removed.map((s) => s.snapshotId)).toEqual([IDS[1], IDS[2], IDS[3]]);
    expect(doc.protected).toEqual([]);
    expect((await listSnapshots(storage, { signal })).map((e) => e.snapshotId)).toEqual([IDS[0], IDS[4]]);
    const verify = await runCli(['verify', 'latest', '--from', root, '--progress', 'none'], ENV);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('takes the location name and the retention from the config file; a keep flag replaces the file rules', async () => {
    const { root, storage } = await location('configured');
    const config = path.join(dir, 'a0vault.config.yaml');
    await writeFile(
      config,
      [
        'locations:',
        `  nightly: ${JSON.stringify(root)}`,
        'retention:',
        '  default: { keep-last: 4 }',
        `  tenants: { ${SAMPLE.domain}: { keep-last: 3 } }`,
      ].join('\n'),
    );
    const dry = await runCli(['prune', '--from', 'nightly', '--json', '--dry-run', '--keep-last', '2'], { ...ENV, A0VAULT_CONFIG: config });
    expect(dry.code, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as PruneJson).kept).toHaveLength(2);
    const r = await runCli(['prune', '--from', 'nightly', '--config', config, '--json'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PruneJson;
    expect(doc.policies).toEqual({ [SAMPLE.domain]: { last: 3 } });
    expect((await listSnapshots(storage, { signal })).map((e) => e.snapshotId)).toEqual(IDS.slice(2));
  });

  it('a config file with an unknown key exits 2 naming the path', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'retention:\n  default: { keep-dayly: 3 }\n');
    const r = await runCli(['prune', '--from', dir, '--config', bad], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/retention/default/keep-dayly: unknown key "keep-dayly" (did you mean "keep-daily"?)');
  });
});

describe('a0vault prune on a GCS bucket with a retention policy (built CLI, GCS fake)', () => {
  let gcs: GcsFake;
  let now = new Date('2026-11-25T03:00:00Z');

  beforeAll(async () => {
    gcs = await startGcsFake({ now: () => now, buckets: [{ name: 'locked', retentionPeriod: 7 * 86_400 }] });
  });
  afterAll(async () => {
    await gcs?.close();
  });

  it('reports protected snapshots with their expiry and exits 3; removes the rest', async () => {
    const storage = openStorage('gs://locked', { gcsEndpoint: gcs.endpoint, projectId: 'test-project' });
    now = new Date('2026-11-01T03:00:00Z');
    await writeSamples(storage, IDS.slice(0, 1), signal);
    now = new Date('2026-11-24T03:00:00Z');
    await writeSamples(storage, IDS.slice(1), signal);
    now = new Date('2026-11-25T06:00:00Z');
    const r = await runCli(['prune', '--from', 'gs://locked', '--gcs-endpoint', gcs.endpoint, '--keep-last', '2', '--json', '--progress', 'none'], ENV);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/2 snapshot\(s\) not fully removed: a bucket retention policy still protects them/);
    const doc = JSON.parse(r.stdout) as PruneJson;
    expect(doc.removed.map((s) => s.snapshotId)).toEqual([IDS[0]]);
    expect(doc.protected.map((p) => [p.snapshotId, p.stillListed, p.objects.map((o) => o.retainUntil)])).toEqual([
      [IDS[1], true, ['2026-12-01T03:00:00.000Z']],
      [IDS[2], true, ['2026-12-01T03:00:00.000Z']],
    ]);
    expect((await listSnapshots(storage, { signal })).map((e) => e.snapshotId)).toEqual(IDS.slice(1));

    const text = await runCli(['prune', '--from', 'gs://locked', '--gcs-endpoint', gcs.endpoint, '--keep-last', '2', '--progress', 'none'], ENV);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/protected by a retention policy, 2 snapshot\(s\)/);
    expect(text.stdout).toContain('2026-12-01T03:00:00.000Z');
  });
});
