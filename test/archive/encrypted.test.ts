/**
 * Encrypted archives (format version 2, per-entry age): written through the real writer, read
 * back through the reader and loadSnapshot, verified with and without an identity, and
 * tampered with. Keys are generated per run; no private key is committed.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { A0vaultError, IntegrityError } from '../../src/core/errors.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import {
  ArchiveReader,
  ENTRY,
  buildManifest,
  checkSnapshot,
  configEntryPath,
  createArchiveWriter,
  createNdjsonGzipStream,
  readNdjson,
  snapshotKeys,
  verifySnapshot,
  writeManifest,
  type Manifest,
  type SnapshotKeys,
} from '../../src/archive/index.js';
import { AgeIdentities, AgeRecipients } from '../../src/archive/encryption.js';
import { loadSnapshot } from '../../src/restore/snapshot-state.js';

const signal = new AbortController().signal;
const USERS = 2000;
const TENANT_YAML = 'roles:\n  - name: admin\nactions:\n  - name: hello\n    code: ./actions/hello/code.js\n';

let identities: AgeIdentities;
let wrongIdentities: AgeIdentities;
let keys: SnapshotKeys;
let manifest: Manifest;
let archive: Buffer;
let manifestBytes: Buffer;

async function writeEncrypted(storage: MemoryBackend, recipients: AgeRecipients): Promise<{ keys: SnapshotKeys; manifest: Manifest }> {
  const snapshotId = '20261125T045312Z-k3v7qa';
  const k = snapshotKeys('backups', 'demo.eu.auth0.com', snapshotId);
  const writer = createArchiveWriter({ storage, key: k.archive, signal, encryptTo: recipients });
  await writer.addEntry(ENTRY.tenantConfig, TENANT_YAML, { contentType: 'application/yaml' });
  await writer.addEntry(configEntryPath('actions/hello/code.js'), 'exports.onExecutePostLogin = async () => {};\n');
  const users = createNdjsonGzipStream(
    (function* () {
      for (let i = 0; i < USERS; i++) yield { user_id: `auth0|${i}`, email: `u${i}@example.com`, app_metadata: { n: i } };
    })(),
    { signal },
  );
  await writer.addEntry(ENTRY.users, users.stream, { records: 'count' });
  const rm = createNdjsonGzipStream([{ role: 'admin', user_id: 'auth0|1' }], { signal });
  await writer.addEntry(ENTRY.roleMembers, rm.stream, { records: rm.records });
  const om = createNdjsonGzipStream([], { signal });
  await writer.addEntry(ENTRY.organizationMembers, om.stream, { records: om.records });
  await writer.addEntry(ENTRY.idMap, JSON.stringify({ roles: [{ id: 'rol_1', name: 'admin' }], organizations: [] }));
  await writer.addEntry(ENTRY.coverage, '[]\n');
  const result = await writer.finish();
  const m = buildManifest({
    tool: { name: 'a0vault', version: '0.1.0' },
    snapshotId,
    tenantDomain: 'demo.eu.auth0.com',
    startedAt: new Date('2026-11-25T04:53:12Z'),
    finishedAt: new Date('2026-11-25T04:55:40Z'),
    archive: result,
    counts: { users: USERS, usersByConnection: { db: USERS }, roles: 1, roleMembers: 1, organizations: 0, organizationMembers: 0, config: { roles: 1, actions: 1 } },
    coverage: { captured: [{ item: 'users', count: USERS }], notCaptured: [] },
    encryption: result.encryption,
  });
  await writeManifest(storage, k.manifest, m, { signal });
  return { keys: k, manifest: m };
}

async function storageWith(archiveBytes: Buffer, manifestData: Buffer = manifestBytes): Promise<MemoryBackend> {
  const storage = new MemoryBackend();
  await storage.put(keys.archive, () => Readable.from([archiveBytes]), { signal });
  await storage.put(keys.manifest, () => Readable.from([manifestData]), { signal });
  return storage;
}

/** [start, end) of the data of one entry, from the central directory. */
async function dataRange(storage: MemoryBackend, path: string): Promise<{ start: number; end: number }> {
  const reader = await ArchiveReader.open({ storage, key: keys.archive, signal });
  const entry = reader.list().find((e) => e.path === path);
  reader.close();
  if (!entry) throw new Error(`no ${path}`);
  const start = entry.offset + 30 + Buffer.byteLength(path);
  return { start, end: start + entry.size };
}

beforeAll(async () => {
  const identity = await generateX25519Identity();
  const other = await generateX25519Identity();
  identities = AgeIdentities.parse(identity, 'test identity');
  wrongIdentities = AgeIdentities.parse(other, 'wrong identity');
  const storage = new MemoryBackend();
  ({ keys, manifest } = await writeEncrypted(storage, AgeRecipients.parse({ values: [await identityToRecipient(identity)] })));
  archive = await storage.get(keys.archive, (s) => buffer(s), { signal });
  manifestBytes = await storage.get(keys.manifest, (s) => buffer(s), { signal });
});

describe('encrypted archive (format version 2)', () => {
  it('has a v2 manifest with the recipient count, ciphertext hashes and plaintext record counts', () => {
    expect(manifest.formatVersion).toBe(2);
    expect(manifest.encryption).toEqual({ scheme: 'age', recipients: 1 });
    expect(manifest.archive.key).toBe(keys.archive);
    expect(manifest.entries.find((e) => e.path === ENTRY.users)?.records).toBe(USERS);
    for (const e of manifest.entries) expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
    // nothing readable leaks into the zip: the yaml and the user e-mails are ciphertext
    expect(archive.includes('roles:')).toBe(false);
    expect(archive.includes('exports.onExecutePostLogin')).toBe(false);
    expect(archive.includes('age-encryption.org/v1')).toBe(true);
  });

  it('reads back through loadSnapshot with the identity', async () => {
    const storage = await storageWith(archive);
    const s = await loadSnapshot(storage, keys.manifest, signal, { identities });
    try {
      expect(s.config).toMatchObject({ roles: [{ name: 'admin' }] });
      expect(s.idMap.roles).toEqual([{ id: 'rol_1', name: 'admin' }]);
      let n = 0;
      for await (const u of s.users()) {
        expect((u as { user_id: string }).user_id).toBe(`auth0|${n}`);
        n++;
      }
      expect(n).toBe(USERS);
      const members: unknown[] = [];
      for await (const m of s.roleMembers()) members.push(m);
      expect(members).toEqual([{ role: 'admin', user_id: 'auth0|1' }]);
    } finally {
      s.close();
    }
  });

  it('refuses to load without an identity: usage error asking for --identity', async () => {
    const storage = await storageWith(archive);
    const err = await loadSnapshot(storage, keys.manifest, signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(A0vaultError);
    expect((err as A0vaultError).code).toBe('usage');
    expect((err as A0vaultError).message).toMatch(/encrypted.*--identity/);
    const reader = await ArchiveReader.open({ storage, key: keys.archive, signal, encrypted: true });
    await expect(reader.openContent(ENTRY.idMap)).rejects.toMatchObject({ code: 'usage' });
    reader.close();
  });

  it('fails to load with the wrong identity: integrity error naming the entry', async () => {
    const storage = await storageWith(archive);
    const err = await loadSnapshot(storage, keys.manifest, signal, { identities: wrongIdentities }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).details.entry).toBe(ENTRY.tenantConfig);
    expect((err as IntegrityError).message).toMatch(/no given identity matches/);
  });

  it('verifies without an identity (ciphertext checks only) and with one (authenticated, records counted)', async () => {
    const storage = await storageWith(archive);
    const plain = await verifySnapshot({ storage, manifestKey: keys.manifest, signal });
    expect(plain.ok).toBe(true);
    expect(plain.encryption).toEqual({ scheme: 'age', recipients: 1, decrypted: false });
    expect(plain.entries.every((e) => e.status === 'ok' && /not decrypted/.test(e.note ?? ''))).toBe(true);
    const full = await verifySnapshot({ storage, manifestKey: keys.manifest, signal, identities });
    expect(full.ok).toBe(true);
    expect(full.encryption?.decrypted).toBe(true);
    expect(full.entries.map((e) => e.status)).toEqual(manifest.entries.map(() => 'ok'));
  });

  it('fails verify with the wrong identity, naming the first entry', async () => {
    const storage = await storageWith(archive);
    const err = await verifySnapshot({ storage, manifestKey: keys.manifest, signal, identities: wrongIdentities }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).details.entry).toBe(ENTRY.tenantConfig);
    expect((err as IntegrityError).message).toMatch(/entry config\/tenant\.yaml: cannot be decrypted/);
  });

  it('catches a manifest record count that disagrees with the plaintext only when decrypting', async () => {
    const { manifestSha256: _old, ...rest } = structuredClone(manifest);
    const users = rest.entries.find((e) => e.path === ENTRY.users);
    if (!users) throw new Error('no users entry');
    users.records = USERS + 1;
    const { signManifest, serializeManifest } = await import('../../src/archive/manifest.js');
    const storage = await storageWith(archive, serializeManifest(signManifest(rest)));
    expect((await checkSnapshot({ storage, manifestKey: keys.manifest, signal })).ok).toBe(true);
    const report = await checkSnapshot({ storage, manifestKey: keys.manifest, signal, identities });
    expect(report.problems).toEqual([{ subject: ENTRY.users, message: `has ${USERS} records, the manifest says ${USERS + 1}` }]);
  });

  it('names the entry when one byte inside its ciphertext is flipped, with or without the identity', async () => {
    const storage = await storageWith(archive);
    for (const path of [ENTRY.tenantConfig, ENTRY.users, ENTRY.idMap]) {
      const { start, end } = await dataRange(storage, path);
      for (const position of [start + 5, Math.floor((start + end) / 2), end - 1]) {
        const copy = Buffer.from(archive);
        copy[position] = (copy[position] ?? 0) ^ 0x04;
        const broken = await storageWith(copy);
        for (const ids of [undefined, identities]) {
          const err = await verifySnapshot({ storage: broken, manifestKey: keys.manifest, signal, identities: ids }).catch((e: unknown) => e);
          expect(err, `${path} @${position} identity=${ids !== undefined}`).toBeInstanceOf(IntegrityError);
          expect((err as IntegrityError).details.entry).toBe(path);
          expect((err as IntegrityError).message).toContain(`entry ${path}`);
        }
      }
    }
  });

  it('detects a flipped byte at sampled positions across the whole file without an identity, naming the entry it falls in', async () => {
    const storage = await storageWith(archive);
    const reader = await ArchiveReader.open({ storage, key: keys.archive, signal });
    const list = reader.list();
    reader.close();
    const cdOffset = archive.readUInt32LE(archive.length - 22 + 16);
    const regions = list.map((e, i) => ({ path: e.path, start: e.offset, end: list[i + 1]?.offset ?? cdOffset }));
    const stride = Math.max(1, Math.floor(archive.length / 300));
    const undetected: number[] = [];
    const misnamed: string[] = [];
    for (let position = 0; position < archive.length; position += stride) {
      const copy = Buffer.from(archive);
      copy[position] = (copy[position] ?? 0) ^ 0x01;
      const err = await verifySnapshot({ storage: await storageWith(copy), manifestKey: keys.manifest, signal }).catch((e: unknown) => e);
      if (!(err instanceof IntegrityError)) {
        undetected.push(position);
        continue;
      }
      const region = regions.find((r) => position >= r.start && position < r.end);
      const subject = err.details.entry as string;
      if (region && subject !== region.path) misnamed.push(`${position}: ${subject} (expected ${region.path})`);
    }
    expect(undetected).toEqual([]);
    expect(misnamed).toEqual([]);
  });

  it('fails authentication while streaming when a ciphertext is changed consistently (CRC-32 fixed up)', async () => {
    // a writer of the bucket could recompute CRC-32 and the hashes; age still refuses the bytes
    const storage = await storageWith(archive);
    const { start, end } = await dataRange(storage, ENTRY.users);
    const copy = Buffer.from(archive);
    copy[Math.floor((start + end) / 2)] = (copy[Math.floor((start + end) / 2)] ?? 0) ^ 0x10;
    const { crc32 } = await import('node:zlib');
    const crc = crc32(copy.subarray(start, end)) >>> 0;
    const cdOffset = copy.readUInt32LE(copy.length - 22 + 16);
    // patch the CRC in the data descriptor and in the central directory record of the entry
    copy.writeUInt32LE(crc, end + 4);
    const nameAt = copy.indexOf(ENTRY.users, cdOffset);
    copy.writeUInt32LE(crc, nameAt - 46 + 16);
    const tampered = await storageWith(copy);
    const contentReader = await ArchiveReader.open({ storage: tampered, key: keys.archive, signal, encrypted: true, identities });
    try {
      const err = await (async () => {
        for await (const _record of readNdjson(await contentReader.openContent(ENTRY.users), { signal, name: ENTRY.users })) {
          // consume
        }
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).details.entry).toBe(ENTRY.users);
      expect((err as IntegrityError).message).toMatch(/failed age authentication/);
    } finally {
      contentReader.close();
    }
  });
});
