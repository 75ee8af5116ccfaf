/**
 * Verifies a stored snapshot against its manifest.
 *
 * Algorithm:
 * 1. Read the manifest: JSON Schema, format version, manifestSha256, entry paths, and that its
 *    key, snapshot id, tenant and archive key agree with the layout.
 * 2. Stat and re-hash the whole archive object (one sequential read) against archive.size and
 *    archive.sha256.
 * 3. Open the zip (central directory via ranged reads) and, entry by entry: the entry set equals
 *    the manifest's, each entry's local header and data descriptor agree with the central
 *    directory, and its stored bytes match CRC-32, size and sha256, and (NDJSON) the record
 *    count. Encrypted archives (format version 2): the stored bytes are the ciphertext, so all
 *    of this but the record count holds without an identity; with `identities`, each entry is
 *    also decrypted and authenticated (age) in the same pass and its plaintext records counted.
 *    A wrong identity fails every entry (integrity), since nothing can be authenticated.
 *
 * Every problem is collected and reported against a subject: an entry path, 'archive' (bytes
 * outside any entry, or the zip structure) or 'manifest'. `checkSnapshot` returns the report;
 * `verifySnapshot` also throws an IntegrityError naming the first failing subject (entries
 * before the archive), with the report in `details.report`, so the CLI exits 4 naming it.
 * Storage errors other than a corrupt object (not found, transient, cancelled) pass through.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { throwIfAborted } from '../core/abort.js';
import { A0vaultError, IntegrityError, NotFoundError } from '../core/errors.js';
import { silentProgress, type ProgressReporter } from '../core/progress.js';
import { CorruptObjectError, ObjectNotFoundError, type StorageBackend } from '../storage/backend.js';
import { createDecryptStream, type AgeIdentities } from './encryption.js';
import { HashingStream } from './hashing.js';
import { parseSnapshotKey, snapshotKeys, tenantSegment } from './layout.js';
import { MANIFEST_SUBJECT, readManifest, type Manifest, type ManifestEntry } from './manifest.js';
import { ARCHIVE_SUBJECT, ArchiveReader } from './reader.js';

export type CheckStatus = 'ok' | 'failed' | 'skipped';

export interface VerifyProblem {
  /** An entry path, 'archive' or 'manifest'. */
  subject: string;
  message: string;
}

export interface EntryResult {
  path: string;
  status: CheckStatus;
  problems: string[];
  /** Why the entry was not checked (status 'skipped'). */
  note?: string;
}

export interface VerifyReport {
  ok: boolean;
  manifestKey: string;
  snapshotId?: string;
  tenant?: string;
  archiveKey?: string;
  manifest: { status: CheckStatus; problems: string[] };
  archive: { status: CheckStatus; size?: number; sha256?: string; problems: string[] };
  entries: EntryResult[];
  /** For an encrypted archive: whether entries were decrypted and authenticated (identity given). */
  encryption?: { scheme: 'age'; recipients: number; decrypted: boolean };
  /** Every problem, entries first (in manifest order), then the archive, then the manifest. */
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  storage: StorageBackend;
  manifestKey: string;
  signal: AbortSignal;
  progress?: ProgressReporter;
  /** Decrypt and authenticate the entries of an encrypted archive (and check its record counts). */
  identities?: AgeIdentities;
}

const devNull = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Checks everything it can and reports; throws only for storage errors and cancellation. */
export async function checkSnapshot(options: VerifyOptions): Promise<VerifyReport> {
  const { storage, manifestKey, signal } = options;
  const progress = options.progress ?? silentProgress;
  const report: VerifyReport = {
    ok: false,
    manifestKey,
    manifest: { status: 'failed', problems: [] },
    archive: { status: 'skipped', problems: [] },
    entries: [],
    problems: [],
  };
  const finish = (): VerifyReport => {
    for (const e of report.entries) for (const m of e.problems) report.problems.push({ subject: e.path, message: m });
    for (const m of report.archive.problems) report.problems.push({ subject: ARCHIVE_SUBJECT, message: m });
    for (const m of report.manifest.problems) report.problems.push({ subject: MANIFEST_SUBJECT, message: m });
    report.ok = report.problems.length === 0;
    return report;
  };

  progress.emit({ type: 'phase', phase: 'verify', message: `verifying ${manifestKey}` });
  let manifest: Manifest;
  try {
    manifest = await readManifest(storage, manifestKey, { signal });
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw new NotFoundError(`no manifest at ${manifestKey} in ${storage.location}`, { cause: err, details: { key: manifestKey } });
    if (err instanceof CorruptObjectError) {
      report.manifest.problems.push(`storage reports the object corrupt: ${err.message}`);
      return finish();
    }
    if (!(err instanceof IntegrityError)) throw err;
    const problems = (err.details.problems as string[] | undefined) ?? [err.message];
    report.manifest.problems.push(...problems);
    return finish();
  }
  report.snapshotId = manifest.snapshotId;
  report.tenant = manifest.tenant.domain;
  report.archiveKey = manifest.archive.key;
  report.manifest.problems.push(...layoutProblems(manifestKey, manifest));
  report.manifest.status = report.manifest.problems.length === 0 ? 'ok' : 'failed';
  report.entries = manifest.entries.map((e) => ({ path: e.path, status: 'skipped', problems: [] }));

  const identities = manifest.encryption ? options.identities : undefined;
  if (manifest.encryption) report.encryption = { ...manifest.encryption, decrypted: identities !== undefined };
  const archiveOk = await checkArchiveObject(storage, manifest, report, signal);
  if (!archiveOk) {
    for (const e of report.entries) e.note = 'the archive could not be read';
    return finish();
  }
  await checkEntries(storage, manifest, report, signal, progress, identities);
  return finish();
}

/** checkSnapshot, then an IntegrityError naming the first failing subject if anything failed. */
export async function verifySnapshot(options: VerifyOptions): Promise<VerifyReport> {
  const report = await checkSnapshot(options);
  if (!report.ok) throw integrityErrorFor(report);
  return report;
}

export function integrityErrorFor(report: VerifyReport): IntegrityError {
  const [first, ...rest] = report.problems;
  const subject = first?.subject ?? ARCHIVE_SUBJECT;
  const what = subject === ARCHIVE_SUBJECT || subject === MANIFEST_SUBJECT ? subject : `entry ${subject}`;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
  return new IntegrityError(`snapshot ${report.snapshotId ?? report.manifestKey} failed verification: ${what}: ${first?.message ?? 'unknown problem'}${more}`, {
    details: { entry: subject, snapshotId: report.snapshotId, manifestKey: report.manifestKey, problems: report.problems, report },
  });
}

function layoutProblems(manifestKey: string, manifest: Manifest): string[] {
  const parsed = parseSnapshotKey(manifestKey);
  if (!parsed || parsed.kind !== 'manifest') return [`${manifestKey} is not a manifest key of the snapshot layout`];
  const problems: string[] = [];
  if (parsed.snapshotId !== manifest.snapshotId) problems.push(`snapshotId ${manifest.snapshotId} does not match the key's ${parsed.snapshotId}`);
  if (tenantSegment(manifest.tenant.domain) !== tenantSegment(parsed.tenant)) problems.push(`tenant ${manifest.tenant.domain} does not match the key's ${parsed.tenant}`);
  if (problems.length === 0) {
    const expected = snapshotKeys(parsed.prefix, parsed.tenant, parsed.snapshotId).archive;
    if (manifest.archive.key !== expected) problems.push(`archive.key is ${manifest.archive.key}, expected ${expected}`);
  }
  return problems;
}

/** Size and whole-object sha256; false when the object cannot be read at all. */
async function checkArchiveObject(storage: StorageBackend, manifest: Manifest, report: VerifyReport, signal: AbortSignal): Promise<boolean> {
  const { key, size, sha256 } = manifest.archive;
  const problems = report.archive.problems;
  const info = await storage.stat(key, { signal });
  if (!info) {
    problems.push(`${key} does not exist`);
    report.archive.status = 'failed';
    return false;
  }
  if (info.size !== size) problems.push(`is ${info.size} bytes, the manifest says ${size}`);
  const hasher = new HashingStream();
  try {
    await storage.get(key, (stream) => pipeline(stream, hasher, devNull(), { signal }), { signal });
    const actual = hasher.result();
    report.archive.size = actual.size;
    report.archive.sha256 = actual.sha256;
    if (actual.sha256 !== sha256) problems.push(`sha256 is ${actual.sha256}, the manifest says ${sha256}`);
  } catch (err) {
    throwIfAborted(signal);
    if (!(err instanceof CorruptObjectError)) throw err;
    problems.push(`storage reports the object corrupt: ${err.message}`);
  }
  report.archive.status = problems.length === 0 ? 'ok' : 'failed';
  return true;
}

async function checkEntries(
  storage: StorageBackend,
  manifest: Manifest,
  report: VerifyReport,
  signal: AbortSignal,
  progress: ProgressReporter,
  identities: AgeIdentities | undefined,
): Promise<void> {
  let reader: ArchiveReader;
  try {
    reader = await ArchiveReader.open({ storage, key: manifest.archive.key, signal, encrypted: manifest.encryption !== undefined, identities });
  } catch (err) {
    if (!(err instanceof IntegrityError)) throw err;
    report.archive.problems.push(`cannot be read as a zip: ${err.message}`);
    report.archive.status = 'failed';
    for (const e of report.entries) e.note = 'the zip structure could not be read';
    return;
  }
  try {
    const listed = new Set(manifest.entries.map((e) => e.path));
    for (const path of new Set(reader.list().map((e) => e.path))) {
      if (!listed.has(path)) report.entries.push({ path, status: 'failed', problems: ['is in the archive but not listed in the manifest'] });
    }
    for (const [i, entry] of manifest.entries.entries()) {
      throwIfAborted(signal);
      const result = report.entries[i] as EntryResult;
      result.problems.push(...(await checkEntry(reader, entry, signal, identities)));
      result.status = result.problems.length === 0 ? 'ok' : 'failed';
      if (manifest.encryption && !identities && result.status === 'ok') result.note = 'encrypted: ciphertext checked; not decrypted (no identity), so records were not counted';
      progress.emit({ type: 'progress', phase: 'verify', done: i + 1, total: manifest.entries.length, unit: 'entries' });
    }
  } finally {
    reader.close();
  }
}

async function checkEntry(reader: ArchiveReader, entry: ManifestEntry, signal: AbortSignal, identities: AgeIdentities | undefined): Promise<string[]> {
  if (!reader.has(entry.path) && !reader.duplicates().includes(entry.path)) return ['is missing from the archive'];
  const problems: string[] = [];
  const note = (err: unknown) => {
    if (!(err instanceof A0vaultError) || err.code !== 'integrity') throw err;
    const problem = err.details.problem;
    const text = typeof problem === 'string' ? problem : message(err);
    if (!problems.includes(text)) problems.push(text);
  };
  await reader.checkFraming(entry.path).catch(note);
  const counting = entry.records === undefined ? undefined : entry.path.endsWith('.gz') ? 'gzip' : 'plain';
  const encrypted = reader.encrypted;
  // encrypted: sha256 and size over the stored ciphertext, records over the decrypted plaintext
  const hasher = new HashingStream(counting && !encrypted ? { countRecords: counting } : {});
  const plain = encrypted && identities ? new HashingStream(counting ? { countRecords: counting } : {}) : undefined;
  try {
    const stored = await reader.openEntry(entry.path, { signal });
    if (plain && identities) {
      const decrypt = createDecryptStream(identities, { fail: (problem) => new IntegrityError(`entry ${entry.path}: ${problem}`, { details: { entry: entry.path, problem } }) });
      await pipeline(stored, hasher, decrypt, plain, devNull(), { signal });
    } else {
      await pipeline(stored, hasher, devNull(), { signal });
    }
  } catch (err) {
    throwIfAborted(signal);
    if (counting === 'gzip' && !(err instanceof A0vaultError)) problems.push(`is not valid gzip: ${message(err)}`);
    else note(err);
    return problems;
  }
  const actual = hasher.result();
  if (actual.size !== entry.size) problems.push(`is ${actual.size} bytes, the manifest says ${entry.size}`);
  if (entry.sha256 !== undefined && actual.sha256 !== entry.sha256) problems.push(`sha256 is ${actual.sha256}, the manifest says ${entry.sha256}`);
  const records = encrypted ? plain?.result().records : actual.records;
  if (entry.records !== undefined && (!encrypted || plain) && records !== entry.records) problems.push(`has ${records ?? 0} records, the manifest says ${entry.records}`);
  return problems;
}
