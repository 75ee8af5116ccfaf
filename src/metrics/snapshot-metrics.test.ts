import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry, METRIC, type SnapshotRunRecord } from './snapshot-metrics.js';
import { parseExposition, updateMetricsFile } from './textfile.js';

const signal = new AbortController().signal;
const T0 = 1_764_000_000_000;

const ok = (tenant: string, at: number, users = 10): SnapshotRunRecord => ({
  tenant,
  outcome: 'success',
  startedAt: at - 90_000,
  finishedAt: at,
  users,
  archiveBytes: 4096,
  apiRequests: 30,
  apiRetries: 2,
  apiRateLimited: 1,
});
const failed = (tenant: string, at: number): SnapshotRunRecord => ({ tenant, outcome: 'failed', startedAt: at - 5_000, finishedAt: at, apiRequests: 3, apiRetries: 0, apiRateLimited: 0 });

function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  return parseExposition(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('snapshot metrics', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-metrics-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exposes one series per tenant with Prometheus types', async () => {
    const text = await buildRegistry([ok('a.x', T0), failed('b.x', T0)], { tenantLabel: true }).metrics();
    expect(text).toContain(`# TYPE ${METRIC.apiRetries} counter`);
    expect(text).toContain(`# TYPE ${METRIC.lastSuccess} gauge`);
    expect(value(text, METRIC.lastSuccess, { tenant: 'a.x' })).toBe(T0 / 1000);
    expect(value(text, METRIC.duration, { tenant: 'a.x' })).toBe(90);
    expect(value(text, METRIC.users, { tenant: 'a.x' })).toBe(10);
    expect(value(text, METRIC.archiveBytes, { tenant: 'a.x' })).toBe(4096);
    expect(value(text, METRIC.apiRetries, { tenant: 'a.x' })).toBe(2);
    expect(value(text, METRIC.apiRateLimited, { tenant: 'a.x' })).toBe(1);
    expect(value(text, METRIC.outcome, { tenant: 'a.x', outcome: 'success' })).toBe(1);
    expect(value(text, METRIC.outcome, { tenant: 'b.x', outcome: 'success' })).toBe(0);
    expect(value(text, METRIC.outcome, { tenant: 'b.x', outcome: 'failed' })).toBe(1);
    // a tenant that never succeeded has no last-success series at all (not a misleading 0)
    expect(value(text, METRIC.lastSuccess, { tenant: 'b.x' })).toBeUndefined();
    expect(value(text, METRIC.users, { tenant: 'b.x' })).toBeUndefined();
  });

  it('a failed run keeps the last success time, users and bytes of the file it replaces', async () => {
    const file = path.join(dir, 'a0vault.prom');
    await updateMetricsFile(file, [ok('a.x', T0, 10), ok('b.x', T0, 20)], signal);
    const later = T0 + 86_400_000;
    await updateMetricsFile(file, [failed('a.x', later), ok('b.x', later, 21)], signal);
    const text = await readFile(file, 'utf8');
    expect(value(text, METRIC.lastSuccess, { tenant: 'a.x' })).toBe(T0 / 1000);
    expect(value(text, METRIC.users, { tenant: 'a.x' })).toBe(10);
    expect(value(text, METRIC.lastRun, { tenant: 'a.x' })).toBe(later / 1000);
    expect(value(text, METRIC.outcome, { tenant: 'a.x', outcome: 'failed' })).toBe(1);
    expect(value(text, METRIC.lastSuccess, { tenant: 'b.x' })).toBe(later / 1000);
    expect(value(text, METRIC.users, { tenant: 'b.x' })).toBe(21);
    // no temp file left beside it
    expect(await readdir(dir)).toEqual(['a0vault.prom']);
  });

  it('starts afresh from a missing file and parses escaped label values', async () => {
    const file = path.join(dir, 'fresh.prom');
    await updateMetricsFile(file, [failed('q"uote\\d.x', T0)], signal);
    const text = await readFile(file, 'utf8');
    expect(value(text, METRIC.outcome, { tenant: 'q"uote\\d.x', outcome: 'failed' })).toBe(1);
    expect(value(text, METRIC.lastSuccess, { tenant: 'q"uote\\d.x' })).toBeUndefined();
  });

  it('ignores a previous file it cannot make sense of', async () => {
    const file = path.join(dir, 'garbage.prom');
    await writeFile(file, 'not { metrics\n');
    await updateMetricsFile(file, [failed('a.x', T0)], signal);
    expect(value(await readFile(file, 'utf8'), METRIC.lastSuccess, { tenant: 'a.x' })).toBeUndefined();
  });
});
