import { describe, expect, it } from 'vitest';
import {
  ENTRY,
  configEntryPath,
  configRelativePath,
  entryPathProblem,
  isKnownEntryPath,
  lockKey,
  newRunId,
  normalizePrefix,
  parseRunId,
  parseSnapshotKey,
  parseTenantSegment,
  restoreJournalKey,
  restoreRecordKey,
  snapshotKeys,
  tenantPrefix,
  tenantSegment,
} from './layout.js';

const fixedRandom = (value: number) => () => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
};

describe('run ids', () => {
  it('encode the UTC second and a base32 suffix, and sort by time', () => {
    const a = newRunId(new Date('2026-11-25T04:53:12.999Z'), fixedRandom(0xffffffff));
    const b = newRunId(new Date('2026-11-25T04:53:13.000Z'), fixedRandom(0));
    const c = newRunId(new Date('2027-01-01T00:00:00.000Z'), fixedRandom(123456));
    expect(a).toMatch(/^20261125T045312Z-[a-z2-7]{6}$/);
    expect(b).toBe('20261125T045313Z-aaaaaa');
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(parseRunId(a)?.time.toISOString()).toBe('2026-11-25T04:53:12.000Z');
  });

  it('differ within one second', () => {
    const at = new Date('2026-11-25T04:53:12Z');
    const ids = new Set(Array.from({ length: 50 }, () => newRunId(at)));
    expect(ids.size).toBeGreaterThan(45);
  });

  it('reject malformed and impossible ids', () => {
    for (const id of ['20261125T045312Z-ABCDEF', '20261125T045312Z-abc1ef', '20260231T000000Z-aaaaaa', '20261125T045312-aaaaaa', 'latest']) {
      expect(parseRunId(id)).toBeUndefined();
    }
  });
});

describe('tenant segment', () => {
  it('keeps plain domains and escapes everything else reversibly', () => {
    expect(tenantSegment('Demo.EU.auth0.com')).toBe('demo.eu.auth0.com');
    expect(tenantSegment('localhost:8443')).toBe('localhost_3a8443');
    expect(tenantSegment('a_b')).toBe('a_5fb');
    expect(tenantSegment('.hidden')).toBe('_2ehidden');
    for (const domain of ['demo.eu.auth0.com', 'localhost:8443', 'a_b', '.hidden', 'ünï.example', 'x/../y']) {
      const segment = tenantSegment(domain);
      expect(segment).toMatch(/^[a-z0-9._-]+$/);
      expect(segment.startsWith('.')).toBe(false);
      expect(parseTenantSegment(segment)).toBe(domain.toLowerCase());
    }
    expect(parseTenantSegment('UPPER')).toBeUndefined();
    expect(parseTenantSegment('a_zz')).toBeUndefined();
    expect(() => tenantSegment('')).toThrow(/invalid tenant/);
  });
});

describe('object keys', () => {
  const id = '20261125T045312Z-k3v7qa';

  it('place snapshots under prefix/tenant/yyyy/mm/dd', () => {
    expect(snapshotKeys('backups/', 'demo.eu.auth0.com', id)).toEqual({
      archive: `backups/demo.eu.auth0.com/2026/11/25/${id}.a0v.zip`,
      manifest: `backups/demo.eu.auth0.com/2026/11/25/${id}.manifest.json`,
    });
    expect(snapshotKeys('', 'localhost:8443', id, { encrypted: true }).archive).toBe(`localhost_3a8443/2026/11/25/${id}.a0v.zip.age`);
    expect(() => snapshotKeys('p', 'd', 'nope')).toThrow(/invalid snapshot id/);
  });

  it('parse back from the right, whatever the prefix', () => {
    for (const prefix of ['', 'a', 'a/b/c']) {
      const keys = snapshotKeys(prefix, 'localhost:8443', id, { encrypted: true });
      expect(parseSnapshotKey(keys.manifest)).toEqual({ prefix, tenant: 'localhost:8443', snapshotId: id, kind: 'manifest' });
      expect(parseSnapshotKey(keys.archive)?.kind).toBe('encrypted-archive');
    }
    expect(parseSnapshotKey(snapshotKeys('p', 'd.com', id).archive)?.kind).toBe('archive');
  });

  it('do not mistake other keys for snapshots', () => {
    expect(parseSnapshotKey(lockKey('p', 'd.com'))).toBeUndefined();
    expect(parseSnapshotKey(restoreRecordKey('p', 'd.com', id))).toBeUndefined();
    expect(parseSnapshotKey(`p/d.com/2026/11/26/${id}.manifest.json`)).toBeUndefined(); // date folder disagrees with id
    expect(parseSnapshotKey(`p/d.com/2026/11/25/${id}.tmp`)).toBeUndefined();
    expect(parseSnapshotKey(`${id}.manifest.json`)).toBeUndefined();
  });

  it('build lock, restore record and journal keys beside the tenant snapshots', () => {
    expect(tenantPrefix('/p/', 'd.com')).toBe('p/d.com/');
    expect(lockKey('p', 'd.com')).toBe('p/d.com/lock.json');
    expect(restoreRecordKey('p', 'd.com', id)).toBe(`p/d.com/restores/${id}.json`);
    expect(restoreJournalKey('p', 'd.com', id, 7)).toBe(`p/d.com/restores/${id}/journal/00000007.json`);
    expect(restoreJournalKey('p', 'd.com', id, 10) > restoreJournalKey('p', 'd.com', id, 9)).toBe(true);
    expect(() => restoreJournalKey('p', 'd.com', id, -1)).toThrow();
  });

  it('reject unsafe prefixes', () => {
    expect(normalizePrefix('///')).toBe('');
    expect(() => normalizePrefix('a/../b')).toThrow();
    expect(() => normalizePrefix('a//b')).toThrow();
  });
});

describe('entry paths', () => {
  it('accept the v1 entries and config files', () => {
    for (const path of Object.values(ENTRY)) expect(isKnownEntryPath(path)).toBe(true);
    expect(configEntryPath('actions/hello/code.js')).toBe('config/actions/hello/code.js');
    expect(configRelativePath('config/actions/hello/code.js')).toBe('actions/hello/code.js');
    expect(configRelativePath(ENTRY.users)).toBeUndefined();
    expect(isKnownEntryPath('secrets.txt')).toBe(false);
  });

  it('reject paths that could escape an extraction folder', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'config/../../x', 'config//x', 'config/x/', 'a\\b', 'a\u0000b', 'x'.repeat(513)]) {
      expect(entryPathProblem(bad)).toBeDefined();
    }
    expect(() => configEntryPath('../tenant.yaml')).toThrow();
    expect(configRelativePath('config/../x')).toBeUndefined();
  });
});
