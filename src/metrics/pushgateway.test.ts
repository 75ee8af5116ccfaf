import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPushgatewayUrl, pushMetrics } from './pushgateway.js';
import { METRIC, type SnapshotRunRecord } from './snapshot-metrics.js';
import { parseExposition } from './textfile.js';

interface Received {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
}

/** A stand-in Pushgateway: records every request; answers `status`. */
async function startGateway(status = 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body });
      res.statusCode = status;
      res.end(status >= 400 ? 'pushed metrics are invalid' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const T0 = 1_764_000_000_000;
const records: SnapshotRunRecord[] = [
  { tenant: 'acme.eu.auth0.com', outcome: 'success', startedAt: T0 - 60_000, finishedAt: T0, users: 42, archiveBytes: 1234, apiRequests: 9, apiRetries: 1, apiRateLimited: 1 },
  { tenant: 'localhost:8443', outcome: 'failed', startedAt: T0 - 2_000, finishedAt: T0, apiRequests: 1, apiRetries: 0, apiRateLimited: 0 },
];

describe('pushMetrics', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => new Promise<void>((resolve) => gw.server.close(() => resolve())));

  it('POSTs one group per tenant under job a0vault; a failed run leaves last-success metrics out', async () => {
    await pushMetrics(`${gw.url}/base`, records, { signal: AbortSignal.timeout(10_000) });
    expect(gw.received.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/base/metrics/job/a0vault/tenant/acme.eu.auth0.com'],
      ['POST', '/base/metrics/job/a0vault/tenant/localhost%3A8443'],
    ]);
    expect(gw.received[0]?.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const ok = parseExposition(gw.received[0]?.body ?? '');
    const get = (samples: typeof ok, name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(get(ok, METRIC.lastSuccess)).toEqual({ name: METRIC.lastSuccess, labels: {}, value: T0 / 1000 });
    expect(get(ok, METRIC.users)?.value).toBe(42);
    expect(get(ok, METRIC.apiRateLimited)?.value).toBe(1);
    expect(get(ok, METRIC.outcome, { outcome: 'success' })?.value).toBe(1);
    // the grouping label carries the tenant: no tenant label inside the body
    expect(ok.every((s) => s.labels.tenant === undefined)).toBe(true);

    const bad = parseExposition(gw.received[1]?.body ?? '');
    expect(get(bad, METRIC.outcome, { outcome: 'failed' })?.value).toBe(1);
    expect(get(bad, METRIC.lastRun)?.value).toBe(T0 / 1000);
    expect(bad.map((s) => s.name)).not.toContain(METRIC.lastSuccess);
    expect(bad.map((s) => s.name)).not.toContain(METRIC.users);
    expect(bad.map((s) => s.name)).not.toContain(METRIC.archiveBytes);
  });

  it('reports the gateway status when it refuses a push', async () => {
    const refusing = await startGateway(400);
    try {
      await expect(pushMetrics(refusing.url, records.slice(0, 1), { signal: AbortSignal.timeout(10_000) })).rejects.toThrow(/Pushgateway push for acme\.eu\.auth0\.com failed: push failed with status 400/);
    } finally {
      await new Promise<void>((resolve) => refusing.server.close(() => resolve()));
    }
  });

  it('accepts only http(s) URLs', () => {
    expect(checkPushgatewayUrl('https://pushgateway.monitoring:9091')).toBe('https://pushgateway.monitoring:9091');
    expect(() => checkPushgatewayUrl('pushgateway:9091/x')).toThrow(/http\(s\) URL/);
    expect(() => checkPushgatewayUrl('ftp://x')).toThrow(/http\(s\) URL/);
  });
});
