/**
 * Turns exported user records into bulk-import files (`POST /jobs/users-imports`).
 *
 * Algorithm: for each record of the chosen connection, build the import record (user_id
 * without its `auth0|` prefix, only fields the import schema allows, reserved app_metadata
 * keys and null values dropped, password hashes merged from the caller's lookup), validate it
 * against schemas/import-user.schema.json, then append its JSON to the current file; a file is
 * emitted when the next record would push it past `maxBytes` (greedy, in stream order, so a
 * file is at most one record short of full). One connection per file, one file in memory.
 *
 * Contract: every emitted file is a JSON array of at most `maxBytes` bytes (UTF-8), never
 * empty, with users in input order. A record that cannot be imported (not a database user,
 * invalid, larger than a file) is reported through `onReject`, with a reason that never holds
 * a field value (no email, no hash), and is not packed. Call once per database connection (the
 * snapshot stream is reopened for each): records of other connections are skipped and counted.
 */
import { readFileSync } from 'node:fs';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { throwIfAborted } from '../core/abort.js';
import { isPlainObject } from './config-diff.js';
import type { UserRef } from './membership-diff.js';
import { viewUser } from './users-diff.js';

type AjvClass = typeof AjvModule.default;
type AddFormats = typeof addFormatsModule.default;
// ajv and ajv-formats are CommonJS with `exports.default`; NodeNext sees the namespace.
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as AjvClass;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

/**
 * Auth0's limit on the whole `POST /jobs/users-imports` request body: "Payload content length
 * greater than maximum allowed: 512000." It counts the multipart envelope too.
 */
export const IMPORT_PAYLOAD_MAX_BYTES = 512_000;
/**
 * Room left for the multipart envelope around the file (boundaries, part headers,
 * connection_id, upsert, external_id, send_completion_email): 627 bytes with Node's FormData;
 * 2,000 leaves room for longer boundaries. A full file plus envelope stays under the limit.
 */
export const IMPORT_ENVELOPE_RESERVE_BYTES = 2_000;
/** Default file size limit: the payload limit less the envelope reserve. */
export const IMPORT_FILE_MAX_BYTES = IMPORT_PAYLOAD_MAX_BYTES - IMPORT_ENVELOPE_RESERVE_BYTES;
export const IMPORT_SCHEMA_URL = new URL('../../schemas/import-user.schema.json', import.meta.url);

/** app_metadata keys the import refuses (Auth0 bulk-import schema); dropped, and counted. */
export const FORBIDDEN_APP_METADATA_KEYS: readonly string[] = [
  '__tenant', '_id', 'blocked', 'clientID', 'created_at', 'email_verified', 'email', 'globalClientID', 'global_client_id',
  'identities', 'lastIP', 'lastLogin', 'loginsCount', 'metadata', 'multifactor_last_modified', 'multifactor', 'updated_at', 'user_id',
];

/** Exported fields the import accepts (the schema's properties minus what only the hash lookup supplies). */
const EXPORTED_IMPORTABLE = [
  'email', 'email_verified', 'phone_number', 'phone_verified', 'user_id', 'username', 'given_name', 'family_name',
  'name', 'nickname', 'picture', 'blocked', 'app_metadata', 'user_metadata',
] as const;

/** What the password-hash lookup may add (from the export Auth0 support provides). */
export interface PasswordHashFields {
  password_hash?: string;
  custom_password_hash?: Record<string, unknown>;
}

export interface ImportFile {
  connection: string;
  users: number;
  /** A JSON array, at most maxBytes long. */
  bytes: Buffer;
  firstUserId: string;
  lastUserId: string;
  /** Users of this file the `isInsert` option called inserts (absent without that option). */
  inserts?: number;
}

export interface ImportReject {
  userId: string;
  connection: string;
  reason: string;
}

export interface PackerOptions {
  connection: string;
  signal: AbortSignal;
  maxBytes?: number;
  /** Further filter (e.g. only users the plan inserts or updates). */
  include?: (record: Record<string, unknown>) => boolean;
  /** Which packed users the plan inserts (the rest it updates): counted per file as `inserts`. */
  isInsert?: (record: Record<string, unknown>) => boolean;
  passwordHashes?: (ref: UserRef) => PasswordHashFields | undefined | Promise<PasswordHashFields | undefined>;
  onReject?: (reject: ImportReject) => void;
  /** Defaults to the validator compiled from schemas/import-user.schema.json. */
  validate?: (record: unknown) => string | undefined;
}

export interface PackStats {
  packed: number;
  files: number;
  bytes: number;
  rejected: number;
  otherConnections: number;
  excluded: number;
  passwordHashesMerged: number;
  appMetadataKeysDropped: number;
}

let compiled: ValidateFunction | undefined;

/** Validates against schemas/import-user.schema.json; returns why a record is invalid, or undefined. */
export function validateImportRecord(record: unknown): string | undefined {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(IMPORT_SCHEMA_URL, 'utf8')) as object);
  }
  if (compiled(record)) return undefined;
  return describeSchemaErrors(compiled.errors ?? []);
}

function describeSchemaErrors(errors: ErrorObject[]): string {
  const parts = errors.map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : '';
    return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
  });
  return `invalid for the import schema: ${[...new Set(parts)].join('; ')}`;
}

export type ConvertResult = { record: Record<string, unknown>; droppedAppMetadataKeys: number } | { reason: string };

/** The import record for one exported user (database users only), before hashes and validation. */
export function toImportRecord(exported: Record<string, unknown>): ConvertResult {
  const view = viewUser(exported);
  if (!view) return { reason: 'record without a user_id' };
  if (view.provider !== 'auth0') return { reason: `not a database user (provider ${view.provider})` };
  const out: Record<string, unknown> = {};
  let dropped = 0;
  for (const field of EXPORTED_IMPORTABLE) {
    const v = exported[field];
    if (v === undefined || v === null) continue;
    if (field === 'user_id') out.user_id = view.userId.slice('auth0|'.length);
    else if (field === 'app_metadata' && isPlainObject(v)) {
      const kept = Object.entries(v).filter(([k]) => !FORBIDDEN_APP_METADATA_KEYS.includes(k));
      dropped += Object.keys(v).length - kept.length;
      out.app_metadata = Object.fromEntries(kept);
    } else out[field] = v;
  }
  return { record: out, droppedAppMetadataKeys: dropped };
}

export class ImportPacker {
  readonly stats: PackStats = { packed: 0, files: 0, bytes: 0, rejected: 0, otherConnections: 0, excluded: 0, passwordHashesMerged: 0, appMetadataKeysDropped: 0 };
  private readonly maxBytes: number;

  constructor(private readonly options: PackerOptions) {
    this.maxBytes = options.maxBytes ?? IMPORT_FILE_MAX_BYTES;
    if (this.maxBytes < 3) throw new RangeError('maxBytes must leave room for one record');
  }

  /** Yields files as they fill; the caller should consume (send) one before asking for the next. */
  async *pack(records: AsyncIterable<unknown>): AsyncGenerator<ImportFile> {
    const { connection, signal } = this.options;
    let parts: Buffer[] = [];
    let users = 0;
    let inserts = 0;
    let size = 2; // "[" and "]"
    let first = '';
    let last = '';
    const flush = (): ImportFile => {
      const bytes = Buffer.concat([Buffer.from('['), ...parts, Buffer.from(']')], size);
      const file: ImportFile = { connection, users, bytes, firstUserId: first, lastUserId: last, ...(this.options.isInsert ? { inserts } : {}) };
      this.stats.files++;
      this.stats.bytes += size;
      parts = [];
      users = 0;
      inserts = 0;
      size = 2;
      return file;
    };
    for await (const raw of records) {
      throwIfAborted(signal);
      const prepared = await this.prepare(raw);
      if (!prepared) continue;
      const { json, userId, insert } = prepared;
      const need = json.length + (parts.length > 0 ? 1 : 0);
      if (json.length + 2 > this.maxBytes) {
        this.reject(userId, `record of ${json.length} bytes does not fit an import file of ${this.maxBytes} bytes`);
        continue;
      }
      if (size + need > this.maxBytes) yield flush();
      if (parts.length > 0) {
        parts.push(Buffer.from(','));
        size += 1;
      } else first = userId;
      parts.push(json);
      users++;
      if (insert) inserts++;
      size += json.length;
      last = userId;
      this.stats.packed++;
    }
    if (parts.length > 0) yield flush();
  }

  private reject(userId: string, reason: string): void {
    this.stats.rejected++;
    this.options.onReject?.({ userId, connection: this.options.connection, reason });
  }

  private async prepare(raw: unknown): Promise<{ json: Buffer; userId: string; insert: boolean } | undefined> {
    const view = viewUser(raw);
    if (!view || view.connection !== this.options.connection) {
      this.stats.otherConnections++;
      return undefined;
    }
    const exported = raw as Record<string, unknown>;
    if (this.options.include && !this.options.include(exported)) {
      this.stats.excluded++;
      return undefined;
    }
    const converted = toImportRecord(exported);
    if ('reason' in converted) {
      this.reject(view.userId, converted.reason);
      return undefined;
    }
    const record = converted.record;
    this.stats.appMetadataKeysDropped += converted.droppedAppMetadataKeys;
    const hashes = await this.options.passwordHashes?.({ user_id: view.userId, ...(view.email ? { email: view.email } : {}) });
    if (hashes?.password_hash !== undefined || hashes?.custom_password_hash !== undefined) {
      if (hashes.password_hash !== undefined) record.password_hash = hashes.password_hash;
      else record.custom_password_hash = hashes.custom_password_hash;
      this.stats.passwordHashesMerged++;
    }
    const problem = (this.options.validate ?? validateImportRecord)(record);
    if (problem !== undefined) {
      this.reject(view.userId, problem);
      return undefined;
    }
    return { json: Buffer.from(JSON.stringify(record), 'utf8'), userId: view.userId, insert: this.options.isInsert?.(exported) ?? false };
  }
}
