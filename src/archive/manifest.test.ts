import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { A0vaultError, IntegrityError } from '../core/errors.js';
import {
  buildManifest,
  canonicalJson,
  computeManifestSha256,
  parseManifest,
  serializeManifest,
  signManifest,
  summarizeCoverage,
  type CoverageCaptured,
  type CoverageGap,
  type CoverageSummary,
  type Manifest,
  type ManifestArchive,
  type ManifestCounts,
  type ManifestEncryption,
  type ManifestEntry,
  type ManifestTenant,
  type ManifestTool,
  type UnsignedManifest,
} from './manifest.js';
import { manifestSchema, manifestSchemaText } from './manifest-schema.js';

// ---- drift between the TypeScript types and the schema, checked by tsc ---------------------
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
interface ObjectSchema {
  properties: object;
  required: readonly string[];
}
/** true when T declares exactly the schema's properties, with the same ones required. */
type Agrees<T, S extends ObjectSchema> = [Equal<keyof T, keyof S['properties']>, Equal<RequiredKeys<T>, S['required'][number]>] extends [true, true] ? true : false;
type Defs = typeof manifestSchema.$defs;
const agreement: Record<string, true> = {
  manifest: true satisfies Agrees<Manifest, typeof manifestSchema>,
  tool: true satisfies Agrees<ManifestTool, Defs['tool']>,
  tenant: true satisfies Agrees<ManifestTenant, Defs['tenant']>,
  archive: true satisfies Agrees<ManifestArchive, Defs['archive']>,
  entry: true satisfies Agrees<ManifestEntry, Defs['entry']>,
  counts: true satisfies Agrees<ManifestCounts, Defs['counts']>,
  coverage: true satisfies Agrees<CoverageSummary, Defs['coverage']>,
  coverageCaptured: true satisfies Agrees<CoverageCaptured, Defs['coverageCaptured']>,
  coverageGap: true satisfies Agrees<CoverageGap, Defs['coverageGap']>,
  encryption: true satisfies Agrees<ManifestEncryption, Defs['encryption']>,
};

const sha = (c: string) => c.repeat(64);

function unsigned(overrides: Partial<UnsignedManifest> = {}): UnsignedManifest {
  return {
    formatVersion: 1,
    tool: { name: 'a0vault', version: '0.1.0' },
    snapshotId: '20261125T045312Z-k3v7qa',
    tenant: { domain: 'demo.eu.auth0.com' },
    startedAt: '2026-11-25T04:53:12.000Z',
    finishedAt: '2026-11-25T04:55:40.000Z',
    archive: { key: 'backups/demo.eu.auth0.com/2026/11/25/20261125T045312Z-k3v7qa.a0v.zip', size: 2068, sha256: sha('a') },
    entries: [
      { path: 'config/tenant.yaml', size: 10, sha256: sha('b'), contentType: 'application/yaml' },
      { path: 'users/users.ndjson.gz', size: 20, sha256: sha('c'), records: 5 },
    ],
    counts: { users: 5, usersByConnection: { db: 5 }, roles: 0, roleMembers: 0, organizations: 0, organizationMembers: 0, config: { clients: 2 } },
    coverage: { captured: [{ item: 'users', count: 5 }], notCaptured: [{ item: 'password hashes', reason: 'never returned', restoreAction: 'reset' }] },
    ...overrides,
  };
}

function expectManifestError(text: string | object, pattern: RegExp): void {
  let err: unknown;
  try {
    parseManifest(typeof text === 'string' ? text : JSON.stringify(text), 'k');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(IntegrityError);
  expect((err as IntegrityError).details.entry).toBe('manifest');
  expect((err as IntegrityError).message).toMatch(pattern);
}

describe('manifest schema', () => {
  it('schemas/manifest.schema.json is generated from manifest-schema.ts (run scripts/write-manifest-schema.ts)', () => {
    const file = readFileSync(new URL('../../schemas/manifest.schema.json', import.meta.url), 'utf8');
    expect(file).toBe(manifestSchemaText());
  });

  it('declares the same properties as the TypeScript types (checked by tsc)', () => {
    expect(Object.keys(agreement)).toHaveLength(10);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level, drops undefined, keeps array order, has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x y' }, u: undefined })).toBe('{"a":{"c":"x y","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson('é\n')).toBe('"é\\n"');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
  });

  it('gives the same hash whatever the key order or indentation', () => {
    const m = signManifest(unsigned());
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const reordered = reverseKeys(m) as Manifest;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(m));
    expect(computeManifestSha256(reordered)).toBe(m.manifestSha256);
    expect(parseManifest(JSON.stringify(m), 'k')).toEqual(m);
    expect(parseManifest(serializeManifest(m), 'k')).toEqual(m);
  });
});

describe('parseManifest', () => {
  const good = signManifest(unsigned());

  it('rejects any change to a signed manifest', () => {
    const tampered = structuredClone(good);
    (tampered.entries[1] as ManifestEntry).records = 6;
    expectManifestError(tampered, /manifestSha256 is/);
    expectManifestError({ ...good, finishedAt: '2026-11-25T04:55:41.000Z' }, /manifestSha256 is/);
  });

  it('rejects invalid JSON, unknown or missing fields, bad values', () => {
    expectManifestError('{"formatVersion":1', /not valid JSON/);
    expectManifestError(signManifest(unsigned()) && { ...good, extra: 1 }, /must NOT have additional properties/);
    const { counts: _c, ...noCounts } = good;
    expectManifestError(noCounts, /must have required property 'counts'/);
    expectManifestError({ ...good, archive: { ...good.archive, sha256: 'ABC' } }, /must match pattern/);
    expectManifestError({ ...good, startedAt: '2026-11-25 04:53' }, /startedAt/);
    expectManifestError({ ...good, formatVersion: 0 }, /formatVersion/);
  });

  it('rejects unsafe, unknown and duplicate entry paths even when correctly signed', () => {
    const withPath = (path: string) => signManifestUnchecked(unsigned({ entries: [{ path, size: 1, sha256: sha('d') }] }));
    expectManifestError(withPath('../x'), /has a \. or \.\. segment/);
    expectManifestError(withPath('secrets.txt'), /not part of format version 1/);
    const entry = { path: 'idmap.json', size: 1, sha256: sha('d') };
    expectManifestError(signManifestUnchecked(unsigned({ entries: [entry, entry] })), /listed twice/);
    expect(() => signManifest(unsigned({ entries: [entry, entry] }))).toThrow(/refusing to write an invalid manifest/);
  });

  it('asks for an upgrade when the format version is newer', () => {
    let err: unknown;
    try {
      parseManifest(JSON.stringify({ ...good, formatVersion: 3 }), 'k');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(A0vaultError);
    expect((err as A0vaultError).code).toBe('usage');
    expect((err as A0vaultError).message).toMatch(/upgrade a0vault/);
  });

  it('requires entry hashes (of the stored bytes) in every version', () => {
    const noHash = [{ path: 'idmap.json', size: 1 }] as unknown as ManifestEntry[];
    expectManifestError(signManifestUnchecked(unsigned({ entries: noHash })), /must have required property 'sha256'/);
    const encrypted = unsigned({ formatVersion: 2, encryption: { scheme: 'age', recipients: 2 }, entries: noHash });
    expectManifestError(signManifestUnchecked(encrypted), /must have required property 'sha256'/);
  });

  it('ties format version 2 to encryption: v2 needs it, v1 forbids it', () => {
    const encryption = { scheme: 'age', recipients: 2 } as const;
    const v2 = signManifestUnchecked(unsigned({ formatVersion: 2, encryption }));
    expect(parseManifest(JSON.stringify(v2), 'k').encryption).toEqual(encryption);
    expectManifestError(signManifestUnchecked(unsigned({ formatVersion: 2 })), /must have required property 'encryption'/);
    expectManifestError(signManifestUnchecked(unsigned({ formatVersion: 1, encryption })), /must NOT be valid/);
  });
});

describe('buildManifest', () => {
  const input = {
    tool: { name: 'a0vault', version: '0.1.0' },
    snapshotId: '20261125T045312Z-k3v7qa',
    tenantDomain: 'demo.eu.auth0.com',
    startedAt: new Date('2026-11-25T04:53:12Z'),
    finishedAt: new Date('2026-11-25T04:55:40Z'),
    archive: { key: 'k.a0v.zip', size: 10, sha256: sha('e'), entries: [{ path: 'idmap.json', size: 2, sha256: sha('f') }] },
    counts: unsigned().counts,
    coverage: summarizeCoverage([
      { item: 'users', captured: true, count: 3 },
      { item: 'MFA secrets', captured: false, reason: 'never returned', restoreAction: 're-enroll' },
    ]),
  };

  it('signs a valid manifest with ISO times', () => {
    const m = buildManifest(input);
    expect(m.startedAt).toBe('2026-11-25T04:53:12.000Z');
    expect(m.coverage).toEqual({ captured: [{ item: 'users', count: 3 }], notCaptured: [{ item: 'MFA secrets', reason: 'never returned', restoreAction: 're-enroll' }] });
    expect(parseManifest(serializeManifest(m), 'k')).toEqual(m);
  });

  it('writes plaintext snapshots as format version 1', () => {
    expect(buildManifest(input).formatVersion).toBe(1);
  });

  it('writes encrypted snapshots as format version 2, keeping the hashes of the stored (encrypted) entries', () => {
    const m = buildManifest({ ...input, encryption: { scheme: 'age', recipients: 1 } });
    expect(m.formatVersion).toBe(2);
    expect(m.encryption).toEqual({ scheme: 'age', recipients: 1 });
    expect(m.entries).toEqual([{ path: 'idmap.json', size: 2, sha256: sha('f') }]);
    expect(parseManifest(serializeManifest(m), 'k')).toEqual(m);
  });
});

/** Signs without validating, to build deliberately invalid but correctly hashed manifests. */
function signManifestUnchecked(m: UnsignedManifest): Manifest {
  return { ...m, manifestSha256: computeManifestSha256(m) };
}
