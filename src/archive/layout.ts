/**
 * The one place that builds object keys and archive entry paths (docs/archive-format.md).
 * Nobody else concatenates paths: engines ask this module for keys and parse listings with it.
 *
 * Object keys (relative to the storage location; `<prefix>` may be empty):
 *   <prefix>/<tenant>/<yyyy>/<mm>/<dd>/<snapshot-id>.a0v.zip         the archive (zip; entries
 *                                                                    age-encrypted in format v2)
 *   <prefix>/<tenant>/<yyyy>/<mm>/<dd>/<snapshot-id>.a0v.zip.age     reserved, never written
 *   <prefix>/<tenant>/<yyyy>/<mm>/<dd>/<snapshot-id>.manifest.json   written last: "complete"
 *   <prefix>/<tenant>/lock.json                                       single-writer lock
 *   <prefix>/<tenant>/restores/<restore-id>.json                      restore record
 *   <prefix>/<tenant>/restores/<restore-id>/journal/<seq>.json        restore journal steps
 *
 * `<tenant>` is the tenant domain made path-safe and reversible (tenantSegment). Snapshot and
 * restore ids are `<yyyymmdd>T<hhmmss>Z-<6 base32 chars>`, so they sort by time, and the date
 * folders of a snapshot are derived from its id: keys sort by time within a tenant.
 */
import { randomBytes } from 'node:crypto';
import { A0vaultError } from '../core/errors.js';

export const ARCHIVE_SUFFIX = '.a0v.zip';
/**
 * Reserved by the first encryption design (whole archive as one age file); never written:
 * encrypted archives are `.a0v.zip` with age-encrypted entries (docs/archive-format.md §8).
 * Still parsed, so a stray object with this suffix is recognised as a snapshot object.
 */
export const ENCRYPTED_ARCHIVE_SUFFIX = '.a0v.zip.age';
export const MANIFEST_SUFFIX = '.manifest.json';

/** Fixed entry paths inside the archive. Configuration files live under CONFIG_DIR. */
export const ENTRY = {
  tenantConfig: 'config/tenant.yaml',
  users: 'users/users.ndjson.gz',
  roleMembers: 'memberships/role-members.ndjson.gz',
  organizationMembers: 'memberships/organization-members.ndjson.gz',
  idMap: 'idmap.json',
  coverage: 'coverage.json',
} as const;

export type FixedEntryPath = (typeof ENTRY)[keyof typeof ENTRY];

/** deploy-cli's yaml dump folder (tenant.yaml and every file it references) is stored under this. */
export const CONFIG_DIR = 'config/';

const MAX_ENTRY_PATH_BYTES = 512;
const RUN_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([a-z2-7]{6})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;

function layoutError(message: string, details: Record<string, unknown>): A0vaultError {
  return new A0vaultError('internal', message, { details });
}

// ---------------------------------------------------------------------------------------------
// Ids

/**
 * A new snapshot or restore id for time `at` (UTC, second precision), e.g.
 * `20261125T045312Z-k3v7qa`. Ids sort by time; the random suffix separates runs in one second.
 */
export function newRunId(at: Date, random: (bytes: number) => Buffer = randomBytes): string {
  const iso = at.toISOString(); // 2026-11-25T04:53:12.345Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const bytes = random(4);
  let n = bytes.readUInt32BE(0);
  let suffix = '';
  for (let i = 0; i < 6; i++) {
    suffix += BASE32.charAt(n & 31);
    n >>>= 5;
  }
  return `${stamp}-${suffix}`;
}

export const newSnapshotId = newRunId;
export const newRestoreId = newRunId;

/** The time encoded in a snapshot/restore id, or undefined if `id` is not one. */
export function parseRunId(id: string): { time: Date } | undefined {
  const m = RUN_ID.exec(id);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const time = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Number.isNaN(time.getTime())) return undefined;
  // reject ids like 20260231: Date would roll them over
  if (time.toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`) return undefined;
  return { time };
}

function requireRunId(id: string, what: string): Date {
  const parsed = parseRunId(id);
  if (!parsed) throw layoutError(`invalid ${what} id ${JSON.stringify(id)}`, { id });
  return parsed.time;
}

// ---------------------------------------------------------------------------------------------
// Tenant segment

/**
 * The tenant domain as one key segment: lower-cased; `a-z 0-9 . -` kept; every other byte of
 * its UTF-8 form (including `_`) written as `_xx` (hex), so the mapping is reversible and
 * `localhost:8443` becomes `localhost_3a8443`. A leading `.` is escaped too.
 */
export function tenantSegment(domain: string): string {
  const lower = domain.trim().toLowerCase();
  if (lower === '' || Buffer.byteLength(lower) > 253) throw layoutError(`invalid tenant domain ${JSON.stringify(domain)}`, { domain });
  let out = '';
  for (const byte of Buffer.from(lower, 'utf8')) {
    const ch = String.fromCharCode(byte);
    const keep = /[a-z0-9-]/.test(ch) || (ch === '.' && out !== '');
    out += keep ? ch : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The domain a tenant segment stands for, or undefined if `segment` is not one. */
export function parseTenantSegment(segment: string): string | undefined {
  if (!/^(?:[a-z0-9.-]|_[0-9a-f]{2})+$/.test(segment) || segment.startsWith('.')) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '_') {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(segment.charCodeAt(i));
    }
  }
  const domain = Buffer.from(bytes).toString('utf8');
  return tenantSegment(domain) === segment ? domain : undefined;
}

// ---------------------------------------------------------------------------------------------
// Object keys

/** Normalises a user-given prefix: no leading/trailing `/`; no empty, `.` or `..` segment. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  for (const segment of trimmed.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || CONTROL_OR_BACKSLASH.test(segment)) {
      throw layoutError(`invalid storage prefix ${JSON.stringify(prefix)}`, { prefix });
    }
  }
  return trimmed;
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** `<prefix>/` (or '' at the root): lists every tenant. */
export function rootPrefix(prefix: string): string {
  const p = normalizePrefix(prefix);
  return p === '' ? '' : `${p}/`;
}

/** `<prefix>/<tenant>/`: lists everything of one tenant (snapshots sort by time). */
export function tenantPrefix(prefix: string, domain: string): string {
  return `${join(normalizePrefix(prefix), tenantSegment(domain))}/`;
}

export interface SnapshotKeys {
  archive: string;
  manifest: string;
}

/**
 * The archive and manifest keys of one snapshot. `encrypted` gives the reserved
 * ENCRYPTED_ARCHIVE_SUFFIX key: writers never use it (encrypted archives are `.a0v.zip` too).
 */
export function snapshotKeys(prefix: string, domain: string, snapshotId: string, options: { encrypted?: boolean } = {}): SnapshotKeys {
  const iso = requireRunId(snapshotId, 'snapshot').toISOString();
  const dir = join(normalizePrefix(prefix), tenantSegment(domain), iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10));
  return {
    archive: `${dir}/${snapshotId}${options.encrypted ? ENCRYPTED_ARCHIVE_SUFFIX : ARCHIVE_SUFFIX}`,
    manifest: `${dir}/${snapshotId}${MANIFEST_SUFFIX}`,
  };
}

/** The single-writer lock of one tenant at this location. */
export function lockKey(prefix: string, domain: string): string {
  return `${tenantPrefix(prefix, domain)}lock.json`;
}

/** Every restore record and journal of one tenant lives under this prefix. */
export function restoresPrefix(prefix: string, domain: string): string {
  return `${tenantPrefix(prefix, domain)}restores/`;
}

/** The restore id of a key under restoresPrefix (record or journal), or undefined. */
export function restoreIdOfKey(key: string): { restoreId: string; kind: 'record' | 'journal' } | undefined {
  const m = /(?:^|\/)restores\/([^/]+?)(\.json|\/journal\/\d{8}\.json)$/.exec(key);
  if (!m?.[1] || !parseRunId(m[1])) return undefined;
  return { restoreId: m[1], kind: m[2] === '.json' ? 'record' : 'journal' };
}

/** The record a restore leaves behind (who, when, which snapshot, outcome). */
export function restoreRecordKey(prefix: string, domain: string, restoreId: string): string {
  requireRunId(restoreId, 'restore');
  return `${tenantPrefix(prefix, domain)}restores/${restoreId}.json`;
}

/** Lists the journal steps of one restore, in order. */
export function restoreJournalPrefix(prefix: string, domain: string, restoreId: string): string {
  requireRunId(restoreId, 'restore');
  return `${tenantPrefix(prefix, domain)}restores/${restoreId}/journal/`;
}

/** Journal step `seq` (0-based, at most 99,999,999) of one restore; zero-padded so keys sort. */
export function restoreJournalKey(prefix: string, domain: string, restoreId: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > 99_999_999) throw layoutError(`invalid journal sequence ${seq}`, { seq });
  return `${restoreJournalPrefix(prefix, domain, restoreId)}${String(seq).padStart(8, '0')}.json`;
}

export type SnapshotObjectKind = 'archive' | 'encrypted-archive' | 'manifest';

export interface ParsedSnapshotKey {
  /** Normalised prefix ('' at the root). */
  prefix: string;
  tenant: string;
  snapshotId: string;
  kind: SnapshotObjectKind;
}

/**
 * Parses a key produced by snapshotKeys (from the right, so the prefix need not be known).
 * Anything else (locks, restore records, stray objects, date folders that do not match the id)
 * gives undefined.
 */
export function parseSnapshotKey(key: string): ParsedSnapshotKey | undefined {
  const segments = key.split('/');
  if (segments.length < 5) return undefined;
  const [tenantSeg, yyyy, mm, dd, file] = segments.slice(-5) as [string, string, string, string, string];
  const kinds: [string, SnapshotObjectKind][] = [
    [ENCRYPTED_ARCHIVE_SUFFIX, 'encrypted-archive'],
    [ARCHIVE_SUFFIX, 'archive'],
    [MANIFEST_SUFFIX, 'manifest'],
  ];
  const match = kinds.find(([suffix]) => file.endsWith(suffix));
  if (!match) return undefined;
  const snapshotId = file.slice(0, -match[0].length);
  const parsed = parseRunId(snapshotId);
  const tenant = parseTenantSegment(tenantSeg);
  if (!parsed || tenant === undefined) return undefined;
  const iso = parsed.time.toISOString();
  if (yyyy !== iso.slice(0, 4) || mm !== iso.slice(5, 7) || dd !== iso.slice(8, 10)) return undefined;
  const prefix = segments.slice(0, -5).join('/');
  try {
    if (normalizePrefix(prefix) !== prefix) return undefined;
  } catch {
    return undefined;
  }
  return { prefix, tenant, snapshotId, kind: match[1] };
}

// ---------------------------------------------------------------------------------------------
// Entry paths

/**
 * Why `path` is not a valid entry path, or undefined. Valid: relative, `/`-separated, at most
 * 512 UTF-8 bytes, no empty, `.` or `..` segment, no backslash or control character. This is
 * what makes extracting an archive into a folder safe.
 */
export function entryPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (Buffer.byteLength(path, 'utf8') > MAX_ENTRY_PATH_BYTES) return `is longer than ${MAX_ENTRY_PATH_BYTES} bytes`;
  if (CONTROL_OR_BACKSLASH.test(path)) return 'contains a backslash or control character';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment (leading, trailing or double /)';
    if (segment === '.' || segment === '..') return 'has a . or .. segment';
  }
  return undefined;
}

/** True for the fixed entries and anything under config/ (the v1 set of entries). */
export function isKnownEntryPath(path: string): boolean {
  if (entryPathProblem(path) !== undefined) return false;
  return (Object.values(ENTRY) as string[]).includes(path) || path.startsWith(CONFIG_DIR);
}

/** The entry path of a file at `relativePath` (`/`-separated) inside deploy-cli's dump folder. */
export function configEntryPath(relativePath: string): string {
  const path = `${CONFIG_DIR}${relativePath}`;
  const problem = entryPathProblem(relativePath) ?? entryPathProblem(path);
  if (problem) throw layoutError(`invalid config file path ${JSON.stringify(relativePath)}: ${problem}`, { relativePath });
  return path;
}

/** The inverse of configEntryPath (undefined for entries outside config/): safe to join to a folder. */
export function configRelativePath(entryPath: string): string | undefined {
  if (!entryPath.startsWith(CONFIG_DIR) || entryPathProblem(entryPath) !== undefined) return undefined;
  return entryPath.slice(CONFIG_DIR.length);
}
