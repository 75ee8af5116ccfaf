import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../test/emulator/users/prng.js';
import { generateDatabaseUser } from '../../test/emulator/users/seed-data.js';
import { CancelledError } from '../core/errors.js';
import { EXPORT_FIELDS } from '../snapshot/export-fields.js';
import { ManagementApi } from '../auth0/client.js';
import { toCredentials } from '../auth0/credentials.js';
import { createUsersImport } from '../auth0/jobs.js';
import { importFileKey } from './import-runner.js';
import { FORBIDDEN_APP_METADATA_KEYS, IMPORT_FILE_MAX_BYTES, IMPORT_PAYLOAD_MAX_BYTES, IMPORT_SCHEMA_URL, ImportPacker, toImportRecord, validateImportRecord, type ImportFile, type ImportReject, type PackerOptions } from './import-packer.js';

type U = Record<string, unknown>;
const CONN = 'Username-Password-Authentication';
const schema = JSON.parse(readFileSync(IMPORT_SCHEMA_URL, 'utf8')) as { properties: Record<string, { propertyNames?: { allOf?: { not?: { enum?: string[] } }[] } }> };

/** Users as the emulator's seeds generate and its export writes them (JSON export, every field). */
function realisticUsers(count: number, seed = 'packer'): U[] {
  const rng = new Prng(seed);
  const ctx = { connection: { id: 'con_0000000000000001', name: CONN, strategy: 'auth0' }, tag: '', createdStepMs: 60_000 };
  return Array.from({ length: count }, (_, i) => JSON.parse(JSON.stringify(generateDatabaseUser(rng, i, ctx).user)) as U);
}

async function* iterate(list: unknown[], pulled?: { n: number }): AsyncGenerator<unknown> {
  for (const x of list) {
    if (pulled) pulled.n++;
    yield x;
  }
}

async function packAll(records: unknown[], options: Partial<PackerOptions> = {}): Promise<{ files: ImportFile[]; rejects: ImportReject[]; packer: ImportPacker }> {
  const rejects: ImportReject[] = [];
  const packer = new ImportPacker({ connection: CONN, signal: new AbortController().signal, onReject: (r) => rejects.push(r), ...options });
  const files: ImportFile[] = [];
  for await (const f of packer.pack(iterate(records))) files.push(f);
  return { files, rejects, packer };
}

describe('toImportRecord', () => {
  it('keeps the importable fields, strips the auth0| prefix once, drops export-only fields and nulls', () => {
    const exported: U = Object.fromEntries(EXPORT_FIELDS.map((f) => [f.name, f.name === 'identities' ? [{ provider: 'auth0', connection: CONN }] : `v-${f.name}`]));
    Object.assign(exported, { user_id: 'auth0|abc', email_verified: true, blocked: false, phone_verified: false, app_metadata: { plan: 'pro', loginsCount: 3, email: 'x' }, user_metadata: {}, nickname: null });
    const result = toImportRecord(exported);
    if ('reason' in result) throw new Error(result.reason);
    expect(result.record.user_id).toBe('abc');
    expect(result.record.app_metadata).toEqual({ plan: 'pro' });
    expect(result.droppedAppMetadataKeys).toBe(2);
    expect(result.record).not.toHaveProperty('nickname');
    const allowed = new Set(Object.keys(schema.properties));
    expect(Object.keys(result.record).filter((k) => !allowed.has(k))).toEqual([]);
    for (const gone of ['identities', 'created_at', 'updated_at', 'last_login', 'last_ip', 'logins_count', 'multifactor', 'multifactor_last_modified', 'last_password_reset']) {
      expect(result.record).not.toHaveProperty(gone);
    }
    expect(result.record.email_verified).toBe(true);
    const doubled = toImportRecord({ user_id: 'auth0|auth0|x', email: 'a@b.co', identities: [{ provider: 'auth0', connection: CONN }] });
    expect('record' in doubled && doubled.record.user_id).toBe('auth0|x'); // Auth0 re-adds one prefix: the id is preserved
  });

  it('refuses users of other identity providers', () => {
    expect(toImportRecord({ user_id: 'google-oauth2|1', email: 'a@b.co', identities: [{ provider: 'google-oauth2', connection: 'google-oauth2' }] })).toEqual({
      reason: 'not a database user (provider google-oauth2)',
    });
  });

  it('knows exactly the reserved app_metadata keys of the import schema (drift test)', () => {
    const allOf = schema.properties.app_metadata?.propertyNames?.allOf ?? [];
    const fromSchema = allOf.flatMap((a) => a.not?.enum ?? []);
    expect([...FORBIDDEN_APP_METADATA_KEYS].sort()).toEqual([...fromSchema].sort());
  });
});

describe('validateImportRecord', () => {
  it('accepts a converted realistic user and explains what is wrong without quoting values', () => {
    const r = toImportRecord(realisticUsers(1)[0]!);
    expect('record' in r && validateImportRecord(r.record)).toBeUndefined();
    const bad = validateImportRecord({ email: 'not-an-email-secret', phone_number: '555', user_metadata: { 'a.b': 1 }, identities: [] });
    expect(bad).toContain('/email must match format "email"');
    expect(bad).toContain('/phone_number must match pattern');
    expect(bad).toContain('(identities)');
    expect(bad).not.toContain('not-an-email-secret');
  });
});

describe('ImportPacker', () => {
  it('counts per file the users isInsert calls inserts; without isInsert files carry no count', async () => {
    const users = realisticUsers(300, 'inserts');
    const inserted = new Set(users.filter((_, i) => i % 3 !== 0));
    const { files } = await packAll(users, { maxBytes: 20_000, isInsert: (r) => inserted.has(r) });
    expect(files.length).toBeGreaterThan(2);
    expect(files.reduce((n, f) => n + (f.inserts ?? 0), 0)).toBe(inserted.size);
    for (const f of files) {
      const ids = new Set((JSON.parse(f.bytes.toString('utf8')) as { user_id: string }[]).map((u) => `auth0|${u.user_id}`));
      expect(f.inserts).toBe([...inserted].filter((u) => ids.has(String(u.user_id))).length);
    }
    expect((await packAll(users, { maxBytes: 20_000 })).files.every((f) => f.inserts === undefined)).toBe(true);
  });

  it('packs realistic users into files of at most 510000 bytes, ≥95% of 512000 full, in order, none lost', async () => {
    const users = realisticUsers(6000);
    const { files, rejects, packer } = await packAll(users);
    expect(rejects).toEqual([]);
    expect(files.length).toBeGreaterThan(3);
    const ids: string[] = [];
    for (const f of files) {
      expect(f.bytes.length).toBeLessThanOrEqual(IMPORT_FILE_MAX_BYTES);
      expect(f.connection).toBe(CONN);
      const parsed = JSON.parse(f.bytes.toString('utf8')) as U[];
      expect(parsed).toHaveLength(f.users);
      for (const u of parsed) {
        expect(String(u.user_id)).not.toMatch(/^auth0\|/);
        ids.push(`auth0|${String(u.user_id)}`);
      }
      expect(f.firstUserId).toBe(`auth0|${String(parsed[0]?.user_id)}`);
      expect(f.lastUserId).toBe(`auth0|${String(parsed[parsed.length - 1]?.user_id)}`);
    }
    expect(ids).toEqual(users.map((u) => u.user_id));
    const full = files.slice(0, -1).map((f) => f.bytes.length / IMPORT_PAYLOAD_MAX_BYTES);
    const meanFull = full.reduce((a, b) => a + b, 0) / full.length;
    expect(meanFull).toBeGreaterThanOrEqual(0.95);
    expect(packer.stats).toMatchObject({ packed: 6000, files: files.length, rejected: 0 });
  });

  it('a full file still fits Auth0 512000-byte request limit once wrapped in the multipart envelope', async () => {
    const bodies: number[] = [];
    const capture: typeof fetch = async (input, init) => {
      bodies.push((await new Request(input, init).arrayBuffer()).byteLength);
      return new Response(JSON.stringify({ id: 'job_1', status: 'pending', type: 'users_import' }), { status: 202, headers: { 'content-type': 'application/json' } });
    };
    const api = new ManagementApi({ credentials: toCredentials({ domain: 'tenant.example.com', accessToken: 'token' }), fetch: capture });
    const users = Buffer.concat([Buffer.from('["'), Buffer.alloc(IMPORT_FILE_MAX_BYTES - 4, 'x'), Buffer.from('"]')]);
    expect(users.length).toBe(IMPORT_FILE_MAX_BYTES);
    const externalId = importFileKey({ connection: CONN, bytes: users });
    await createUsersImport(api, { users, connectionId: 'con_0123456789abcdef', upsert: true, externalId, signal: AbortSignal.timeout(10_000) });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toBeGreaterThan(IMPORT_FILE_MAX_BYTES);
    expect(bodies[0]).toBeLessThanOrEqual(IMPORT_PAYLOAD_MAX_BYTES);
  });

  it('fills each file greedily: the next user would not have fitted', async () => {
    const users = realisticUsers(300, 'small');
    const max = 4000;
    const { files } = await packAll(users, { maxBytes: max });
    const sizes = users.map((u) => {
      const r = toImportRecord(u);
      return 'record' in r ? Buffer.byteLength(JSON.stringify(r.record)) : 0;
    });
    let next = 0;
    for (const [i, f] of files.entries()) {
      expect(f.bytes.length).toBeLessThanOrEqual(max);
      next += f.users;
      if (i < files.length - 1) expect(f.bytes.length + 1 + (sizes[next] ?? 0)).toBeGreaterThan(max);
    }
    expect(next).toBe(300);
  });

  it('holds one file at a time: the source is read only as far as the file being built', async () => {
    const users = realisticUsers(3000, 'lazy');
    const pulled = { n: 0 };
    const packer = new ImportPacker({ connection: CONN, signal: new AbortController().signal });
    const it = packer.pack(iterate(users, pulled));
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(pulled.n).toBe((first.value as ImportFile).users + 1);
    await it.return(undefined);
  });

  it('rejects invalid, oversized and non-database users with a reason, skips other connections and excluded users', async () => {
    const [a, b, c, d] = realisticUsers(4, 'mixed');
    const invalid = { ...a, phone_number: 'call me' };
    const huge = { ...b, user_metadata: { blob: 'x'.repeat(3000) } };
    const other = { ...c, identities: [{ provider: 'auth0', connection: 'other-db' }] };
    const social = { user_id: 'github|1', email: 'g@x.co', identities: [{ provider: 'github', connection: CONN }] };
    const { files, rejects, packer } = await packAll([invalid, huge, other, social, d, c], { maxBytes: 2000, include: (r) => r !== c });
    expect(files.map((f) => f.users)).toEqual([1]);
    expect(rejects.map((r) => [r.userId, r.reason.split(':')[0]])).toEqual([
      [a!.user_id, 'invalid for the import schema'],
      [b!.user_id, expect.stringMatching(/^record of \d+ bytes does not fit an import file of 2000 bytes$/)],
      ['github|1', 'not a database user (provider github)'],
    ]);
    expect(packer.stats).toMatchObject({ packed: 1, rejected: 3, otherConnections: 1, excluded: 1 });
  });

  it('merges password hashes from the lookup by user_id or email, and never echoes them', async () => {
    const [a, b] = realisticUsers(2, 'hashes');
    const bcrypt = '$2b$10$abcdefghijklmnopqrstuu5Jr8V7N6s4t2iQ0y9Zq1Wm3E5k7G9a';
    const lookup = (ref: { user_id: string; email?: string }) =>
      ref.user_id === a!.user_id ? { password_hash: bcrypt } : ref.email === b!.email ? { custom_password_hash: { algorithm: 'nope', hash: { value: 'SECRETHASH' } } } : undefined;
    const { files, rejects, packer } = await packAll([a, b], { passwordHashes: lookup });
    const packed = JSON.parse(files[0]!.bytes.toString('utf8')) as U[];
    expect(packed).toHaveLength(1);
    expect(packed[0]?.password_hash).toBe(bcrypt);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]?.reason).toContain('/custom_password_hash/algorithm must be equal to one of the allowed values');
    expect(JSON.stringify(rejects)).not.toContain('SECRETHASH');
    expect(packer.stats.passwordHashesMerged).toBe(2);
  });

  it('stops with CancelledError when the signal aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    const packer = new ImportPacker({ connection: CONN, signal: ac.signal });
    await expect(packer.pack(iterate(realisticUsers(2))).next()).rejects.toBeInstanceOf(CancelledError);
  });
});
