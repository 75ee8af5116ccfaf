/**
 * Compares the snapshot's users with the target's, streaming, without holding either list.
 *
 * Algorithm:
 * 1. Read the target export once into compact typed-array indexes: sha256(user_id) → slot and
 *    sha256(connection, lower-cased email) → slot; per slot an 8-byte fingerprint of the
 *    comparable fields, a 16-bit hash per field (to name changed fields) and a "seen" flag.
 *    A running, order-independent digest of the target users feeds the plan's fingerprint.
 * 2. Stream the snapshot: each selected, importable user is matched by user_id, else by email
 *    within its connection, and classified insert / update / unchanged.
 * 3. Only when needed, read the target again: sample users only the target has, and learn the
 *    target user_id of users matched by email (for membership translation).
 *
 * Memory (user-index.ts): 67–134 bytes per target user depending on where the power-of-two
 * growth falls, no strings kept: 85 MB allocated for 1M target users. better-sqlite3 was not
 * used: it is a devDependency, so it is not installed with the package.
 * Collisions: 64-bit keys and fingerprints; the chance of a false match among 10^7 users is
 * below 10^-5. A per-field hash collision (1 in 65,536) can only hide the *name* of a changed
 * field, never the change itself (reported as field "?").
 */
import { createHash, hash } from 'node:crypto';
import { canonicalJson } from '../archive/manifest.js';
import { throwIfAborted } from '../core/abort.js';
import { isPlainObject } from './config-diff.js';
import { TargetRows, U64Index } from './user-index.js';
import type { CountSample, UsersPlan } from './types.js';

/** What a bulk import can set, and so what a restore compares. */
export const COMPARABLE_FIELDS = [
  'email', 'email_verified', 'username', 'phone_number', 'given_name', 'family_name',
  'name', 'nickname', 'picture', 'blocked', 'app_metadata', 'user_metadata',
] as const;
/** Import with upsert leaves these unchanged on existing users. */
export const NOT_UPSERTABLE = new Set(['blocked', 'email', 'username', 'phone_number']);
export const NF = COMPARABLE_FIELDS.length;

export interface UserSelection {
  /** `--user`: a user_id or an email (case-insensitive). */
  user?: string;
  /** `--connection`: the connection name of the user's first identity. */
  connection?: string;
}

export interface UsersDiffInput {
  /** Opens the snapshot's user records (parsed NDJSON). */
  snapshot: () => AsyncIterable<unknown>;
  /** Opens the target's user records; called once or twice (see step 3). */
  target: () => AsyncIterable<unknown>;
  selection?: UserSelection;
  signal: AbortSignal;
  /** Examples kept per category (default 5). */
  sampleSize?: number;
}

export interface UsersDiffResult extends UsersPlan {
  snapshotUsers: number;
  targetUsers: number;
  /** Order-independent digest of the selected target users' ids, connections and comparable fields. */
  targetDigest: string;
  /** Target user ids present in the target (by hash). */
  hasTargetUser(userId: string): boolean;
  /** Snapshot user_id → target user_id, for users matched by email. */
  emailMatches: ReadonlyMap<string, string>;
  /**
   * Whether a membership's user is part of the selection: always without one; by user_id or
   * email for `--user`; for `--connection`, whether the snapshot has that user in the connection.
   */
  includesUser(ref: { user_id: string; email?: string }): boolean;
  /**
   * What the plan does with one snapshot record, against the target state this diff read:
   * 'insert', 'update', 'unchanged', or 'excluded' (not selected or not importable). The apply
   * step uses it to pack only the users that change.
   */
  statusOf(record: unknown): 'insert' | 'update' | 'unchanged' | 'excluded';
}

interface UserView {
  userId: string;
  email?: string;
  connection: string;
  provider: string;
}

export function viewUser(record: unknown): UserView | undefined {
  if (!isPlainObject(record) || typeof record.user_id !== 'string' || record.user_id === '') return undefined;
  const first = Array.isArray(record.identities) && isPlainObject(record.identities[0]) ? record.identities[0] : {};
  const bar = record.user_id.indexOf('|');
  const provider = typeof first.provider === 'string' ? first.provider : bar > 0 ? record.user_id.slice(0, bar) : 'unknown';
  const connection = typeof first.connection === 'string' ? first.connection : '(unknown)';
  const email = typeof record.email === 'string' ? record.email.toLowerCase() : undefined;
  return { userId: record.user_id, connection, provider, ...(email !== undefined ? { email } : {}) };
}

/** The comparable fields of a user record, normalised (absent flags false, absent metadata {}). */
export function comparableValues(record: Record<string, unknown>): unknown[] {
  return COMPARABLE_FIELDS.map((f) => {
    const v = record[f];
    if (f === 'email_verified' || f === 'blocked') return v === true;
    if (f === 'app_metadata' || f === 'user_metadata') return isPlainObject(v) ? v : {};
    if (f === 'email' && typeof v === 'string') return v.toLowerCase();
    return v ?? null;
  });
}

function fnv16(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 16) ^ h) & 0xffff;
}

/** sha256 of the parts joined by NUL (one native call: this runs several times per user). */
function sha(...parts: string[]): Buffer {
  return hash('sha256', parts.join('\0'), 'buffer');
}

interface Fingerprinted {
  view: UserView;
  fp: Buffer;
  fieldHashes: number[];
}

function fingerprint(record: unknown): Fingerprinted | undefined {
  const view = viewUser(record);
  if (!view) return undefined;
  const canon = comparableValues(record as Record<string, unknown>).map((v) => canonicalJson(v));
  return { view, fp: sha(view.connection, ...canon), fieldHashes: canon.map(fnv16) };
}

function selected(view: UserView, selection: UserSelection | undefined): boolean {
  if (selection?.connection !== undefined && view.connection !== selection.connection) return false;
  if (selection?.user !== undefined && view.userId !== selection.user && view.email !== selection.user.toLowerCase()) return false;
  return true;
}

const emailKey = (v: UserView): Buffer | undefined => (v.email === undefined ? undefined : sha('email', v.connection, v.email));

/**
 * Adds one user to an order-independent digest (four 32-bit lane sums) from its id hash and
 * fingerprint, so a changed, added or removed user changes the digest (not a security hash:
 * it detects change, it does not resist forgery).
 */
function addToDigest(lanes: Uint32Array, idKey: Buffer, fp: Buffer): void {
  const i0 = idKey.readUInt32LE(0);
  const i1 = idKey.readUInt32LE(4);
  const f0 = fp.readUInt32LE(0);
  const f1 = fp.readUInt32LE(4);
  lanes[0] = ((lanes[0] ?? 0) + (i0 ^ f0)) >>> 0;
  lanes[1] = ((lanes[1] ?? 0) + (i1 ^ f1)) >>> 0;
  lanes[2] = ((lanes[2] ?? 0) + Math.imul(i0 ^ f1, 0x9e3779b1)) >>> 0;
  lanes[3] = ((lanes[3] ?? 0) + Math.imul(i1 ^ f0, 0x85ebca6b)) >>> 0;
}

function addSample(list: string[], value: string, max: number): void {
  if (list.length < max) list.push(value);
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Streams both user lists once (twice for the target when needed) and classifies every snapshot user. */
interface TargetIndex {
  byId: U64Index;
  byEmail: U64Index;
  rows: TargetRows;
  count: number;
  digest: string;
}

/** Pass 1: the selected target users into the typed indexes, with the order-independent digest. */
async function indexTarget(input: UsersDiffInput): Promise<TargetIndex> {
  const idx: TargetIndex = { byId: new U64Index(), byEmail: new U64Index(), rows: new TargetRows(NF), count: 0, digest: '' };
  const lanes = new Uint32Array(4);
  for await (const record of input.target()) {
    throwIfAborted(input.signal);
    const f = fingerprint(record);
    if (!f || !selected(f.view, input.selection)) continue;
    const idKey = sha(f.view.userId);
    if (idx.byId.get(idKey) !== -1) continue; // a user_id twice in one export: the first counts
    const row = idx.rows.push(f.fp, f.fieldHashes);
    idx.byId.add(idKey, row);
    idx.count++;
    const ek = emailKey(f.view);
    if (ek) idx.byEmail.add(ek, row);
    addToDigest(lanes, idKey, f.fp);
  }
  idx.digest = createHash('sha256').update(Buffer.from(lanes.buffer)).update(String(idx.count)).digest('hex');
  return idx;
}

/** Why a selected snapshot user cannot be imported, or undefined. */
function notImportableReason(view: UserView): string | undefined {
  if (view.provider !== 'auth0') return `not a database user (provider ${view.provider}): bulk import cannot create it; it comes back at the next login`;
  if (view.email === undefined) return 'no email: the import schema requires one';
  return undefined;
}

/** Pass 2, one importable snapshot user: insert, unchanged or update (naming the changed fields). */
function classify(f: Fingerprinted, idx: TargetIndex, result: UsersDiffResult, emailMatchedRows: Map<number, string>, max: number): void {
  const counts = (result.byConnection[f.view.connection] ??= { insert: 0, update: 0, unchanged: 0 });
  let row = idx.byId.get(sha(f.view.userId));
  if (row === -1) {
    const ek = emailKey(f.view);
    row = ek ? idx.byEmail.get(ek) : -1;
    if (row !== -1) {
      result.matchedByEmail++;
      emailMatchedRows.set(row, f.view.userId);
    }
  }
  if (row === -1) {
    result.insert++;
    counts.insert++;
    addSample(result.sample.insert, f.view.userId, max);
    return;
  }
  const { rows } = idx;
  rows.seen[row] = 1;
  if (rows.fp[2 * row] === f.fp.readUInt32LE(0) && rows.fp[2 * row + 1] === f.fp.readUInt32LE(4)) {
    result.unchanged++;
    counts.unchanged++;
    return;
  }
  result.update++;
  counts.update++;
  addSample(result.sample.update, f.view.userId, max);
  const changed = COMPARABLE_FIELDS.filter((_, i) => rows.fields[row * NF + i] !== f.fieldHashes[i]);
  for (const field of changed.length > 0 ? changed : ['?']) {
    bump(result.changedFields, field);
    if (NOT_UPSERTABLE.has(field)) bump(result.notUpsertable, field);
  }
}

/** Streams both user lists once (twice for the target when needed) and classifies every snapshot user. */
export async function diffUsers(input: UsersDiffInput): Promise<UsersDiffResult> {
  const { signal, selection } = input;
  const max = input.sampleSize ?? 5;
  const idx = await indexTarget(input);
  const selectedIds = new U64Index();
  const result: UsersDiffResult = {
    insert: 0, update: 0, unchanged: 0, matchedByEmail: 0, onlyInTarget: 0,
    changedFields: {}, notUpsertable: {}, notImportable: [], byConnection: {},
    sample: { insert: [], update: [], onlyInTarget: [] },
    snapshotUsers: 0, targetUsers: idx.count, targetDigest: idx.digest,
    hasTargetUser: (userId) => idx.byId.get(sha(userId)) !== -1,
    emailMatches: new Map(),
    includesUser: (ref) => {
      if (selection?.connection !== undefined) return selectedIds.get(sha(ref.user_id)) !== -1;
      if (selection?.user !== undefined) return ref.user_id === selection.user || ref.email?.toLowerCase() === selection.user.toLowerCase();
      return true;
    },
    statusOf: (record) => {
      const f = fingerprint(record);
      if (!f || !selected(f.view, selection) || notImportableReason(f.view) !== undefined) return 'excluded';
      let row = idx.byId.get(sha(f.view.userId));
      if (row === -1) {
        const ek = emailKey(f.view);
        row = ek ? idx.byEmail.get(ek) : -1;
      }
      if (row === -1) return 'insert';
      return idx.rows.fp[2 * row] === f.fp.readUInt32LE(0) && idx.rows.fp[2 * row + 1] === f.fp.readUInt32LE(4) ? 'unchanged' : 'update';
    },
  };
  const notImportable = new Map<string, CountSample>();
  const emailMatchedRows = new Map<number, string>();
  for await (const record of input.snapshot()) {
    throwIfAborted(signal);
    const f = fingerprint(record);
    if (!f) {
      addNotImportable(notImportable, 'record without a user_id', '(no user_id)', max);
      continue;
    }
    if (!selected(f.view, selection)) continue;
    result.snapshotUsers++;
    if (selection?.connection !== undefined) selectedIds.add(sha(f.view.userId), 0);
    const reason = notImportableReason(f.view);
    if (reason !== undefined) addNotImportable(notImportable, reason, f.view.userId, max);
    else classify(f, idx, result, emailMatchedRows, max);
  }
  for (let row = 0; row < idx.rows.count; row++) if (idx.rows.seen[row] === 0) result.onlyInTarget++;
  result.notImportable = [...notImportable.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  if (result.onlyInTarget > 0 || emailMatchedRows.size > 0) await secondTargetPass(input, idx, emailMatchedRows, result, max);
  return result;
}

function addNotImportable(groups: Map<string, CountSample>, reason: string, id: string, max: number): void {
  const g = groups.get(reason) ?? { reason, count: 0, sample: [] };
  g.count++;
  addSample(g.sample, id, max);
  groups.set(reason, g);
}

/** Pass 3: samples of users only the target has, and the target ids of users matched by email. */
async function secondTargetPass(input: UsersDiffInput, idx: TargetIndex, emailMatchedRows: Map<number, string>, result: UsersDiffResult, max: number): Promise<void> {
  const matches = result.emailMatches as Map<string, string>;
  const { byId, rows } = idx;
  for await (const record of input.target()) {
    throwIfAborted(input.signal);
    const view = viewUser(record);
    if (!view || !selected(view, input.selection)) continue;
    const row = byId.get(sha(view.userId));
    if (row === -1) continue; // not in the first read: the caller reopened a different export
    const snapshotId = emailMatchedRows.get(row);
    if (snapshotId !== undefined) matches.set(snapshotId, view.userId);
    else if (rows.seen[row] === 0) {
      addSample(result.sample.onlyInTarget, view.userId, max);
      rows.seen[row] = 2; // sampled once even if the export repeats the user
    }
  }
}
