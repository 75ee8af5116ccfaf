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
 * Memory: about 90 bytes per target user (measured in docs/restore-plan.md), no strings kept.
 * better-sqlite3 was not used: it is a devDependency, so it is not installed with the package.
 * Collisions: 64-bit keys and fingerprints; the chance of a false match among 10^7 users is
 * below 10^-5. A per-field hash collision (1 in 65,536) can only hide the *name* of a changed
 * field, never the change itself (reported as field "?").
 */
import { createHash, hash } from 'node:crypto';
import { canonicalJson } from '../archive/manifest.js';
import { throwIfAborted } from '../core/abort.js';
import { isPlainObject } from './config-diff.js';
import type { CountSample, UsersPlan } from './types.js';

/** What a bulk import can set, and so what a restore compares. */
export const COMPARABLE_FIELDS = [
  'email', 'email_verified', 'username', 'phone_number', 'given_name', 'family_name',
  'name', 'nickname', 'picture', 'blocked', 'app_metadata', 'user_metadata',
] as const;
/** Import with upsert leaves these unchanged on existing users. */
export const NOT_UPSERTABLE = new Set(['blocked', 'email', 'username', 'phone_number']);
const NF = COMPARABLE_FIELDS.length;

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

/** Open addressing on 64-bit keys → non-negative int; grows at 70% load. */
class U64Index {
  private keys = new Uint32Array(2 * 1024);
  private vals = new Int32Array(1024).fill(-1);
  private size = 0;

  get(key: Buffer): number {
    const mask = this.vals.length - 1;
    const hi = key.readUInt32LE(0);
    const lo = key.readUInt32LE(4);
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const v = this.vals[i] ?? -1;
      if (v === -1) return -1;
      if (this.keys[2 * i] === hi && this.keys[2 * i + 1] === lo) return v;
    }
  }

  /** Sets key → val unless the key exists; returns the value now stored. */
  add(key: Buffer, val: number): number {
    if ((this.size + 1) * 10 > this.vals.length * 7) this.grow();
    const existing = this.get(key);
    if (existing !== -1) return existing;
    this.place(key.readUInt32LE(0), key.readUInt32LE(4), val);
    this.size++;
    return val;
  }

  private place(hi: number, lo: number, val: number): void {
    const mask = this.vals.length - 1;
    let i = lo & mask;
    while ((this.vals[i] ?? -1) !== -1) i = (i + 1) & mask;
    this.keys[2 * i] = hi;
    this.keys[2 * i + 1] = lo;
    this.vals[i] = val;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Int32Array(vals.length * 2).fill(-1);
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] ?? -1;
      if (v !== -1) this.place(keys[2 * i] ?? 0, keys[2 * i + 1] ?? 0, v);
    }
  }
}

/** Target users as fixed-size rows: fingerprint (8 bytes), field hashes (2 × NF bytes), seen flag. */
class TargetRows {
  fp = new Uint32Array(2 * 1024);
  fields = new Uint16Array(NF * 1024);
  seen = new Uint8Array(1024);
  count = 0;

  push(fp: Buffer, fieldHashes: number[]): number {
    if (this.count === this.seen.length) {
      const grow = <T extends Uint32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.fp = grow(this.fp, (n) => new Uint32Array(n));
      this.fields = grow(this.fields, (n) => new Uint16Array(n));
      this.seen = grow(this.seen, (n) => new Uint8Array(n));
    }
    const row = this.count++;
    this.fp[2 * row] = fp.readUInt32LE(0);
    this.fp[2 * row + 1] = fp.readUInt32LE(4);
    this.fields.set(fieldHashes, row * NF);
    return row;
  }
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
export async function diffUsers(input: UsersDiffInput): Promise<UsersDiffResult> {
  const { signal, selection } = input;
  const max = input.sampleSize ?? 5;
  const byId = new U64Index();
  const byEmail = new U64Index();
  const rows = new TargetRows();
  const lanes = new Uint32Array(4);
  let targetUsers = 0;
  for await (const record of input.target()) {
    throwIfAborted(signal);
    const f = fingerprint(record);
    if (!f || !selected(f.view, selection)) continue;
    const idKey = sha(f.view.userId);
    if (byId.get(idKey) !== -1) continue; // a user_id twice in one export: the first counts
    const row = rows.push(f.fp, f.fieldHashes);
    byId.add(idKey, row);
    targetUsers++;
    const ek = emailKey(f.view);
    if (ek) byEmail.add(ek, row);
    addToDigest(lanes, idKey, f.fp);
  }
  const result: UsersDiffResult = {
    insert: 0, update: 0, unchanged: 0, matchedByEmail: 0, onlyInTarget: 0,
    changedFields: {}, notUpsertable: {}, notImportable: [], byConnection: {},
    sample: { insert: [], update: [], onlyInTarget: [] },
    snapshotUsers: 0, targetUsers,
    targetDigest: createHash('sha256').update(Buffer.from(lanes.buffer)).update(String(targetUsers)).digest('hex'),
    hasTargetUser: (userId) => byId.get(sha(userId)) !== -1,
    emailMatches: new Map(),
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
    if (f.view.provider !== 'auth0') {
      addNotImportable(notImportable, `not a database user (provider ${f.view.provider}): bulk import cannot create it; it comes back at the next login`, f.view.userId, max);
      continue;
    }
    if (f.view.email === undefined) {
      addNotImportable(notImportable, 'no email: the import schema requires one', f.view.userId, max);
      continue;
    }
    const counts = (result.byConnection[f.view.connection] ??= { insert: 0, update: 0, unchanged: 0 });
    let row = byId.get(sha(f.view.userId));
    if (row === -1) {
      const ek = emailKey(f.view);
      row = ek ? byEmail.get(ek) : -1;
      if (row !== -1) {
        result.matchedByEmail++;
        emailMatchedRows.set(row, f.view.userId);
      }
    }
    if (row === -1) {
      result.insert++;
      counts.insert++;
      addSample(result.sample.insert, f.view.userId, max);
      continue;
    }
    rows.seen[row] = 1;
    if (rows.fp[2 * row] === f.fp.readUInt32LE(0) && rows.fp[2 * row + 1] === f.fp.readUInt32LE(4)) {
      result.unchanged++;
      counts.unchanged++;
      continue;
    }
    result.update++;
    counts.update++;
    addSample(result.sample.update, f.view.userId, max);
    let named = false;
    f.fieldHashes.forEach((h, i) => {
      if (rows.fields[row * NF + i] === h) return;
      const field = COMPARABLE_FIELDS[i] ?? '?';
      named = true;
      bump(result.changedFields, field);
      if (NOT_UPSERTABLE.has(field)) bump(result.notUpsertable, field);
    });
    if (!named) bump(result.changedFields, '?');
  }
  for (let row = 0; row < rows.count; row++) if (rows.seen[row] === 0) result.onlyInTarget++;
  result.notImportable = [...notImportable.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  if (result.onlyInTarget > 0 || emailMatchedRows.size > 0) await secondTargetPass(input, byId, rows, emailMatchedRows, result, max);
  return result;
}

function addNotImportable(groups: Map<string, CountSample>, reason: string, id: string, max: number): void {
  const g = groups.get(reason) ?? { reason, count: 0, sample: [] };
  g.count++;
  addSample(g.sample, id, max);
  groups.set(reason, g);
}

async function secondTargetPass(input: UsersDiffInput, byId: U64Index, rows: TargetRows, emailMatchedRows: Map<number, string>, result: UsersDiffResult, max: number): Promise<void> {
  const matches = result.emailMatches as Map<string, string>;
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
