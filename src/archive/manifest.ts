/**
 * The snapshot manifest: types, canonical form and self-hash, validation, and reading/writing
 * it through a StorageBackend. The schema is manifest-schema.ts; the spec is
 * docs/archive-format.md.
 *
 * Contract: a manifest that `parseManifest`/`readManifest` returns has passed the JSON Schema,
 * carries a supported formatVersion, has a correct manifestSha256 and valid, unique entry
 * paths. Anything else is an IntegrityError with `details.entry = 'manifest'`, except a newer
 * formatVersion, which is a usage error (upgrade a0vault). The manifest never holds secrets:
 * only names, times, counts, sizes and hashes.
 */
import { Readable } from 'node:stream';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { A0vaultError, IntegrityError } from '../core/errors.js';
import type { ObjectInfo, StorageBackend } from '../storage/backend.js';
import { sha256Hex } from './hashing.js';
import { entryPathProblem, isKnownEntryPath } from './layout.js';
import { manifestSchema } from './manifest-schema.js';

/**
 * The format version of plaintext archives (what the golden archives of v1 hold). Plaintext
 * archives are still written as version 1: their format did not change, so older readers keep
 * reading them. Encrypted archives are version 2 (docs/archive-format.md §7, §8).
 */
export const FORMAT_VERSION = 1;
/** The format version of archives whose entries are age-encrypted. */
export const ENCRYPTED_FORMAT_VERSION = 2;
/** The newest format version this a0vault reads. */
export const LATEST_FORMAT_VERSION = 2;
export type FormatVersion = 1 | 2;
/** Subject used in errors and verify reports for problems with the manifest itself. */
export const MANIFEST_SUBJECT = 'manifest';
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export interface ManifestTool {
  name: string;
  version: string;
}

export interface ManifestTenant {
  domain: string;
}

export interface ManifestArchive {
  /** Storage key of the archive object, relative to the location. */
  key: string;
  /** Bytes of the object as stored. */
  size: number;
  /** Hex sha256 of the object as stored. */
  sha256: string;
}

export interface ManifestEntry {
  path: string;
  /**
   * Bytes of the entry as stored in the zip: gzip bytes for `.gz` entries, the age ciphertext
   * when the archive is encrypted.
   */
  size: number;
  /** Hex sha256 of the entry as stored in the zip (of the ciphertext when encrypted). */
  sha256: string;
  /** NDJSON records (non-empty lines, of the plaintext after gunzip for `.gz`), for NDJSON entries. */
  records?: number;
  contentType?: string;
}

export interface ManifestCounts {
  users: number;
  usersByConnection: Record<string, number>;
  roles: number;
  roleMembers: number;
  organizations: number;
  organizationMembers: number;
  /** Configuration objects per deploy-cli resource type (clients, connections, actions, …). */
  config: Record<string, number>;
}

export interface CoverageCaptured {
  item: string;
  count?: number;
}

export interface CoverageGap {
  item: string;
  reason: string;
  restoreAction: string;
  count?: number;
}

export interface CoverageSummary {
  captured: CoverageCaptured[];
  notCaptured: CoverageGap[];
}

export interface ManifestEncryption {
  scheme: 'age';
  recipients: number;
}

export interface Manifest {
  /** 1 for plaintext archives, 2 for encrypted ones (then `encryption` is present). */
  formatVersion: FormatVersion;
  tool: ManifestTool;
  snapshotId: string;
  tenant: ManifestTenant;
  /** ISO 8601 UTC (`…Z`). */
  startedAt: string;
  finishedAt: string;
  archive: ManifestArchive;
  entries: ManifestEntry[];
  counts: ManifestCounts;
  coverage: CoverageSummary;
  /** Present exactly in format version 2: every entry's content is an age stream. */
  encryption?: ManifestEncryption;
  /** Hex sha256 of canonicalJson(manifest without this field). */
  manifestSha256: string;
}

export type UnsignedManifest = Omit<Manifest, 'manifestSha256'>;

/**
 * Canonical JSON: object keys sorted (JavaScript's default sort, i.e. by UTF-16 code units),
 * no whitespace, strings and numbers as JSON.stringify writes them, properties whose value is
 * undefined left out, array order kept. Non-finite numbers and other non-JSON values throw.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: ${typeof value} is not a JSON value`);
}

/** sha256 of the canonical JSON of `manifest` without its manifestSha256 field. */
export function computeManifestSha256(manifest: UnsignedManifest | Manifest): string {
  const { manifestSha256: _ignored, ...rest } = manifest as Manifest;
  return sha256Hex(canonicalJson(rest));
}

/** Adds manifestSha256; throws (internal) if the result is not a valid manifest. */
export function signManifest(manifest: UnsignedManifest): Manifest {
  const signed: Manifest = { ...manifest, manifestSha256: computeManifestSha256(manifest) };
  const problems = manifestProblems(signed);
  if (problems.length > 0) throw new A0vaultError('internal', `refusing to write an invalid manifest: ${problems.join('; ')}`, { details: { problems } });
  return signed;
}

export interface ManifestInput {
  tool: ManifestTool;
  snapshotId: string;
  tenantDomain: string;
  startedAt: Date;
  finishedAt: Date;
  /** What the archive writer returned (createArchiveWriter().finish()). */
  archive: { key: string; size: number; sha256: string; entries: ManifestEntry[] };
  counts: ManifestCounts;
  coverage: CoverageSummary;
  encryption?: ManifestEncryption;
}

/** The format version a manifest with (or without) `encryption` has. */
export function formatVersionFor(encryption: ManifestEncryption | undefined): FormatVersion {
  return encryption ? ENCRYPTED_FORMAT_VERSION : FORMAT_VERSION;
}

/**
 * Builds and signs the manifest of a written archive. With `encryption` (what the writer
 * returned for an encrypted archive) it is a format version 2 manifest.
 */
export function buildManifest(input: ManifestInput): Manifest {
  const entries = input.archive.entries.map((e) => ({ ...e }));
  return signManifest({
    formatVersion: formatVersionFor(input.encryption),
    tool: { ...input.tool },
    snapshotId: input.snapshotId,
    tenant: { domain: input.tenantDomain },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    archive: { key: input.archive.key, size: input.archive.size, sha256: input.archive.sha256 },
    entries,
    counts: input.counts,
    coverage: input.coverage,
    ...(input.encryption ? { encryption: { ...input.encryption } } : {}),
  });
}

/** The stored form: indented JSON with a trailing newline (readers re-canonicalise to check). */
export function serializeManifest(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

let validator: ValidateFunction | undefined;
function validateSchema(value: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    formatsModule.default(ajv);
    validator = ajv.compile(manifestSchema);
  }
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Every reason `value` is not a valid, self-consistent manifest (empty when it is). */
export function manifestProblems(value: unknown): string[] {
  const schemaProblems = validateSchema(value);
  if (schemaProblems.length > 0) return schemaProblems.map((p) => `schema: ${p}`);
  const manifest = value as Manifest;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of manifest.entries) {
    const pathProblem = entryPathProblem(entry.path);
    if (pathProblem) problems.push(`entry path ${JSON.stringify(entry.path)} ${pathProblem}`);
    else if (!isKnownEntryPath(entry.path)) problems.push(`entry path ${JSON.stringify(entry.path)} is not part of format version ${manifest.formatVersion}`);
    if (seen.has(entry.path)) problems.push(`entry ${entry.path} is listed twice`);
    seen.add(entry.path);
  }
  if (Date.parse(manifest.finishedAt) < Date.parse(manifest.startedAt)) problems.push('finishedAt is before startedAt');
  const expected = computeManifestSha256(manifest);
  if (expected !== manifest.manifestSha256) problems.push(`manifestSha256 is ${manifest.manifestSha256}, but the content hashes to ${expected}`);
  return problems;
}

function manifestError(message: string, source: string, options: { cause?: unknown; problems?: string[] } = {}): IntegrityError {
  return new IntegrityError(`manifest ${source}: ${message}`, {
    cause: options.cause,
    details: { entry: MANIFEST_SUBJECT, key: source, ...(options.problems ? { problems: options.problems } : {}) },
  });
}

/** Parses and checks a stored manifest. `source` (its key) is named in errors. */
export function parseManifest(bytes: Buffer | string, source: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    throw manifestError('is not valid JSON', source, { cause: err });
  }
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && Number.isInteger(version) && version > LATEST_FORMAT_VERSION) {
    throw new A0vaultError('usage', `manifest ${source} has archive format version ${version}; this a0vault reads up to version ${LATEST_FORMAT_VERSION}: upgrade a0vault`, {
      details: { key: source, formatVersion: version },
    });
  }
  const problems = manifestProblems(value);
  if (problems.length > 0) throw manifestError(problems.join('; '), source, { problems });
  return value as Manifest;
}

/** Writes the manifest at `key` (never overwriting). Call only after the archive is stored. */
export async function writeManifest(storage: StorageBackend, key: string, manifest: Manifest, options: { signal: AbortSignal }): Promise<ObjectInfo> {
  const bytes = serializeManifest(manifest);
  return storage.put(key, () => Readable.from([bytes]), {
    signal: options.signal,
    contentType: 'application/json',
    size: bytes.length,
    sha256: sha256Hex(bytes),
    overwrite: false,
  });
}

/** Reads and checks the manifest at `key` (see parseManifest). Storage errors pass through. */
export async function readManifest(storage: StorageBackend, key: string, options: { signal: AbortSignal }): Promise<Manifest> {
  const bytes = await storage.get(
    key,
    async (stream) => {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > MAX_MANIFEST_BYTES) throw manifestError(`is larger than ${MAX_MANIFEST_BYTES} bytes`, key);
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    },
    { signal: options.signal },
  );
  return parseManifest(bytes, key);
}

/** The manifest summary of a coverage ledger (src/snapshot/coverage.ts items). */
export function summarizeCoverage(
  items: Iterable<{ item: string; captured: boolean; count?: number; reason?: string; restoreAction?: string }>,
): CoverageSummary {
  const summary: CoverageSummary = { captured: [], notCaptured: [] };
  for (const it of items) {
    const count = it.count === undefined ? {} : { count: it.count };
    if (it.captured) summary.captured.push({ item: it.item, ...count });
    else summary.notCaptured.push({ item: it.item, reason: it.reason ?? 'not given', restoreAction: it.restoreAction ?? 'none', ...count });
  }
  return summary;
}
