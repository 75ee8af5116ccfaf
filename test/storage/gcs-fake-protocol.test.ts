/**
 * The GCS fake at the protocol level (raw HTTP), so that its strictness is itself tested:
 * resumable sessions with 308/Range and resume after a drop, hash checks, preconditions,
 * versioning, list paging, ranges, error bodies, fault injection, and the CLI entry point.
 */
import { CRC32C, Storage } from '@google-cloud/storage';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Crc32c } from '../../src/storage/crc32c.js';
import { Faults } from '../gcs-fake/faults.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';

const Q = 256 * 1024;
let fake: GcsFake;
let n = 0;
let bucket: string;

beforeAll(async () => {
  fake = await startGcsFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  bucket = `proto-${++n}`;
  fake.createBucket(bucket);
  fake.faults.clear();
});

async function call(method: string, path: string, body?: Buffer | string | object, headers: Record<string, string> = {}) {
  const isJson = body !== undefined && !Buffer.isBuffer(body) && typeof body === 'object';
  const res = await fetch(`${fake.endpoint}${path}`, {
    method,
    headers: isJson ? { 'Content-Type': 'application/json', ...headers } : headers,
    body: isJson ? JSON.stringify(body) : (body as Buffer | string | undefined),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // media
  }
  return { status: res.status, headers: res.headers, text, json };
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const crc = (b: Buffer) => new Crc32c().update(b).base64();
const upload = (name: string, data: Buffer, query = '') =>
  call('POST', `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}${query}`, data);

async function startSession(name: string, resource: object = {}, headers: Record<string, string> = {}) {
  const res = await call('POST', `/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}`, resource, headers);
  expect(res.status).toBe(200);
  return new URL(res.headers.get('location') ?? '').pathname + new URL(res.headers.get('location') ?? '').search;
}

describe('gcs fake: building blocks', () => {
  it('computes CRC-32C like the reference vector and like the client library', () => {
    expect(new Crc32c().update(Buffer.from('123456789')).value()).toBe(0xe3069283);
    for (const size of [0, 1, 7, 8, 9, 1000, 65_537]) {
      const data = randomBytes(size);
      const theirs = new CRC32C();
      theirs.update(data);
      expect(crc(data)).toBe(theirs.toString());
    }
  });

  it('fires rate-limited faults the same way for the same seed', () => {
    const run = (seed: number) => {
      const faults = new Faults(seed);
      faults.add({ route: 'objects.get', status: 503, rate: 0.3 });
      return Array.from({ length: 40 }, () => faults.decide('objects.get', 'x').status ?? 200);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    expect(run(7).filter((s) => s === 503).length).toBeGreaterThan(3);
  });
});

describe('gcs fake: JSON API', () => {
  it('answers errors with GCS-shaped JSON bodies', async () => {
    const res = await call('GET', `/storage/v1/b/${bucket}/o/missing`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: {
        code: 404,
        message: `No such object: ${bucket}/missing`,
        errors: [{ message: `No such object: ${bucket}/missing`, domain: 'global', reason: 'notFound' }],
      },
    });
  });

  it('returns object resources with GCS field types', async () => {
    const data = Buffer.from('hello world');
    const res = await upload('dir/hello.txt', data);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      kind: 'storage#object',
      id: expect.stringMatching(new RegExp(`^${bucket}/dir/hello.txt/\\d+$`)),
      selfLink: `${fake.endpoint}/storage/v1/b/${bucket}/o/dir%2Fhello.txt`,
      name: 'dir/hello.txt',
      bucket,
      generation: expect.stringMatching(/^\d{16}$/),
      metageneration: '1',
      size: '11',
      md5Hash: md5(data),
      crc32c: crc(data),
      etag: expect.any(String),
      timeCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated: expect.any(String),
    });
  });

  it('checks the hashes a client supplies (400, nothing stored)', async () => {
    const data = Buffer.from('payload');
    const right = await call('POST', `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=h`, data, { 'X-Goog-Hash': `md5=${md5(data)}` });
    expect(right.status).toBe(200);
    const wrong = await call('POST', `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=h2`, data, { 'X-Goog-Hash': `md5=${md5(Buffer.from('other'))}` });
    expect(wrong.status).toBe(400);
    expect((wrong.json.error as { message: string }).message).toMatch(/MD5/);
    expect((await call('GET', `/storage/v1/b/${bucket}/o/h2`)).status).toBe(404);
  });

  it('enforces ifGenerationMatch (0 = must not exist), ifGenerationNotMatch and ifMetagenerationMatch', async () => {
    const first = await upload('p', Buffer.from('1'), '&ifGenerationMatch=0');
    expect(first.status).toBe(200);
    const again = await upload('p', Buffer.from('2'), '&ifGenerationMatch=0');
    expect(again.status).toBe(412);
    expect(again.json).toMatchObject({ error: { code: 412, errors: [{ reason: 'conditionNotMet' }] } });
    const gen = String(first.json.generation);
    expect((await upload('p', Buffer.from('3'), `&ifGenerationMatch=${gen}`)).status).toBe(200);
    expect((await upload('p', Buffer.from('4'), `&ifGenerationMatch=${gen}`)).status).toBe(412);
    expect((await call('GET', `/storage/v1/b/${bucket}/o/p?ifGenerationNotMatch=${gen}`)).status).toBe(200);
    const patched = await call('PATCH', `/storage/v1/b/${bucket}/o/p?ifMetagenerationMatch=1`, { metadata: { a: '1' } });
    expect(patched.json).toMatchObject({ metageneration: '2', metadata: { a: '1' } });
    expect((await call('PATCH', `/storage/v1/b/${bucket}/o/p?ifMetagenerationMatch=1`, { metadata: { a: '2' } })).status).toBe(412);
    expect((await call('DELETE', `/storage/v1/b/${bucket}/o/p?ifGenerationMatch=${gen}`)).status).toBe(412);
  });

  it('keeps noncurrent generations when versioning is on, readable by ?generation=', async () => {
    expect((await call('PATCH', `/storage/v1/b/${bucket}`, { versioning: { enabled: true } })).json).toMatchObject({ versioning: { enabled: true } });
    const v1 = await upload('v', Buffer.from('one'));
    const v2 = await upload('v', Buffer.from('two'));
    const versions = await call('GET', `/storage/v1/b/${bucket}/o?versions=true`);
    const items = versions.json.items as Array<Record<string, unknown>>;
    expect(items.map((i) => [i.generation, 'timeDeleted' in i])).toEqual([
      [v1.json.generation, true],
      [v2.json.generation, false],
    ]);
    expect((await call('GET', `/storage/v1/b/${bucket}/o/v?alt=media&generation=${String(v1.json.generation)}`)).text).toBe('one');
    expect((await call('GET', `/storage/v1/b/${bucket}/o/v?alt=media`)).text).toBe('two');
    expect((await call('DELETE', `/storage/v1/b/${bucket}/o/v`)).status).toBe(204);
    expect((await call('GET', `/storage/v1/b/${bucket}/o`)).json.items).toBeUndefined();
    expect(((await call('GET', `/storage/v1/b/${bucket}/o?versions=true`)).json.items as unknown[]).length).toBe(2);
  });

  it('lists with prefix, delimiter and pages that neither skip nor repeat', async () => {
    for (const name of ['a/1', 'a/2', 'a/x/1', 'a/x/2', 'a/y/1', 'b/1', 'a/3']) await upload(name, Buffer.from(name));
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await call('GET', `/storage/v1/b/${bucket}/o?prefix=a%2F&delimiter=%2F&maxResults=2${token ? `&pageToken=${token}` : ''}`);
      seen.push(...((page.json.items as Array<{ name: string }> | undefined) ?? []).map((i) => i.name));
      seen.push(...((page.json.prefixes as string[] | undefined) ?? []));
      token = (page.json.nextPageToken as string | undefined) ?? '';
      pages++;
    } while (token);
    expect(seen.sort()).toEqual(['a/1', 'a/2', 'a/3', 'a/x/', 'a/y/']);
    expect(pages).toBe(3);
  });

  it('serves media with Range (206), x-goog-hash, and 416 past the end', async () => {
    const data = Buffer.from('0123456789');
    await upload('r', data);
    const full = await call('GET', `/storage/v1/b/${bucket}/o/r?alt=media`);
    expect(full.headers.get('x-goog-hash')).toBe(`crc32c=${crc(data)},md5=${md5(data)}`);
    expect(full.headers.get('x-goog-stored-content-encoding')).toBe('identity');
    const part = await call('GET', `/storage/v1/b/${bucket}/o/r?alt=media`, undefined, { Range: 'bytes=2-5' });
    expect([part.status, part.text, part.headers.get('content-range')]).toEqual([206, '2345', 'bytes 2-5/10']);
    expect((await call('GET', `/storage/v1/b/${bucket}/o/r?alt=media`, undefined, { Range: 'bytes=-3' })).text).toBe('789');
    expect((await call('GET', `/storage/v1/b/${bucket}/o/r?alt=media`, undefined, { Range: 'bytes=10-' })).status).toBe(416);
  });

  it('injects faults through the admin route', async () => {
    await upload('f', Buffer.from('f'));
    const added = await call('POST', '/_fake/faults', { route: 'objects.get', status: 503, times: 1 });
    expect(added.json.id).toBeDefined();
    const failed = await call('GET', `/storage/v1/b/${bucket}/o/f`);
    expect(failed.json).toMatchObject({ error: { code: 503, errors: [{ reason: 'backendError' }] } });
    expect((await call('GET', `/storage/v1/b/${bucket}/o/f`)).status).toBe(200);
    const slow = await call('POST', '/_fake/faults', { route: 'objects.list', latencyMs: 1, times: 1 });
    expect((await call('GET', `/storage/v1/b/${bucket}/o`)).status).toBe(200);
    expect(fake.requests().at(-1)).toMatchObject({ route: 'objects.list', faults: [slow.json.id] });
    expect((await call('POST', '/_fake/faults', { route: 'nope' })).status).toBe(400);
  });
});

describe('gcs fake: resumable uploads', () => {
  it('answers 308 with Range, insists on 256 KiB chunks, and resumes after a dropped connection', async () => {
    const data = randomBytes(3 * Q + 100);
    const session = await startSession('big', { md5Hash: md5(data), crc32c: crc(data) });
    const put = (from: number, to: number, total: string, headers: Record<string, string> = {}) =>
      call('PUT', session, data.subarray(from, to + 1), { 'Content-Range': `bytes ${from}-${to}/${total}`, ...headers });

    const first = await put(0, Q - 1, '*');
    expect([first.status, first.headers.get('range')]).toEqual([308, `bytes=0-${Q - 1}`]);
    expect((await put(Q, Q + 1000, '*')).status).toBe(400);

    fake.faults.add({ route: 'uploads.chunk', dropAfterBytes: Q + 5000, times: 1 });
    await expect(put(Q, 3 * Q - 1, '*')).rejects.toThrow();
    const status = await call('PUT', session, '', { 'Content-Range': 'bytes */*' });
    // only whole 256 KiB units of the interrupted chunk are kept
    expect([status.status, status.headers.get('range')]).toEqual([308, `bytes=0-${2 * Q - 1}`]);

    expect((await put(3 * Q, data.length - 1, String(data.length))).status).toBe(400);
    const done = await put(2 * Q, data.length - 1, String(data.length));
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ name: 'big', size: String(data.length), md5Hash: md5(data), crc32c: crc(data) });
    expect((await call('PUT', session, '', { 'Content-Range': 'bytes */*' })).json).toMatchObject({ generation: done.json.generation });
    const media = Buffer.from(await (await fetch(`${fake.endpoint}/storage/v1/b/${bucket}/o/big?alt=media`)).arrayBuffer());
    expect(media.equals(data)).toBe(true);
  });

  it('refuses to finalize content whose hash differs from the one given at the start', async () => {
    const data = randomBytes(1000);
    const session = await startSession('bad-hash', { crc32c: crc(Buffer.from('something else')) });
    const res = await call('PUT', session, data, { 'Content-Range': `bytes 0-999/1000` });
    expect(res.status).toBe(400);
    expect((res.json.error as { message: string }).message).toMatch(/CRC32C/);
    expect((await call('GET', `/storage/v1/b/${bucket}/o/bad-hash`)).status).toBe(404);
    expect((await call('PUT', session, '', { 'Content-Range': 'bytes */*' })).status).toBe(410);
  });

  it('checks X-Goog-Hash on the final chunk and preconditions at finalization', async () => {
    const data = randomBytes(100);
    const a = await startSession('race');
    const b = await startSession('race');
    expect((await call('PUT', a, data, { 'Content-Range': 'bytes 0-99/100', 'X-Goog-Hash': `crc32c=${crc(data)}` })).status).toBe(200);
    const late = await call('PUT', b, data, { 'Content-Range': 'bytes 0-99/100' });
    expect(late.status).toBe(200); // no precondition given: last writer wins
    const c = await call('POST', `/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=race&ifGenerationMatch=0`, {});
    expect(c.status).toBe(412);
    const wrong = await startSession('wrong');
    expect((await call('PUT', wrong, data, { 'Content-Range': 'bytes 0-99/100', 'X-Goog-Hash': `crc32c=${crc(Buffer.from('x'))}` })).status).toBe(400);
  });

  it('lets the real client resume its own session after a dropped connection (status query)', async () => {
    const storage = new Storage({
      apiEndpoint: fake.endpoint,
      projectId: 'p',
      // maxRetryDelay (seconds) may not go below async-retry's 1 s minimum; the one retry waits 1 s
      retryOptions: { autoRetry: true, maxRetries: 3, maxRetryDelay: 1 },
    });
    const data = randomBytes(3 * Q);
    fake.faults.add({ route: 'uploads.chunk', dropAfterBytes: Q + 1000, times: 1 });
    fake.clearRequests();
    // the client retries uploads only when they are idempotent, i.e. carry a generation precondition
    await storage
      .bucket(bucket)
      .file('client-resume')
      .save(data, { resumable: true, chunkSize: 2 * Q, validation: 'crc32c', preconditionOpts: { ifGenerationMatch: 0 } });
    const chunks = fake.requests().filter((r) => r.route === 'uploads.chunk').map((r) => `${r.contentRange} ${r.status}`);
    expect(chunks).toContain('bytes */* 308');
    expect(chunks[0]).toMatch(/ 0$/); // the dropped one
    const stored = await call('GET', `/storage/v1/b/${bucket}/o/client-resume`);
    expect(stored.json).toMatchObject({ size: String(data.length), md5Hash: md5(data) });
  });
});

describe('gcs fake: as a process', () => {
  it('prints exactly one JSON line with its endpoint, then serves until SIGTERM', async () => {
    // its own process group, so that SIGTERM reaches npm, the shell, tsx and the fake alike
    // (npm does not pass signals on to its script)
    const child = spawn('npm', ['run', '--silent', 'gcs-fake', '--', '--port', '0', '--bucket', 'from-cli'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const group = child.pid ?? 0;
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const allClosed = once(child.stdout, 'close');
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { endpoint } = JSON.parse(line) as { endpoint: string };
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${endpoint}/storage/v1/b/from-cli`);
      expect(((await res.json()) as { name: string }).name).toBe('from-cli');
      process.kill(-group, 'SIGTERM');
      // stdout closes once every process holding it (npm, sh, tsx, the fake) has exited
      await allClosed;
      expect(stdout).toBe(`${line}\n`);
      await expect(fetch(`${endpoint}/storage/v1/b/from-cli`)).rejects.toThrow();
    } finally {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
