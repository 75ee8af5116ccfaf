/**
 * The SQLite database behind the emulator's user store: one file in a private temp directory
 * (or `:memory:`), opened with durability off because it holds scratch data that dies with the
 * process. The schema keeps each user as the JSON Auth0 returns plus a few indexed columns;
 * secrets (password set, imported hash, MFA factors) live in a separate column that no API
 * ever returns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openSqlite, type Db } from './sqlite.js';

export type { Db } from './sqlite.js';

export interface OpenDbOptions {
  /** Directory to create the database in (a fresh temp dir under it is used). Default: os.tmpdir(). */
  dir?: string;
  /** Keep everything in memory (small tenants and unit tests). */
  memory?: boolean;
}

export interface OpenedDb {
  db: Db;
  /** Directory for this store's scratch files (exports); removed by `close()`. */
  scratchDir: string;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE,
  email TEXT,
  connection TEXT NOT NULL,
  connection_id TEXT,
  username TEXT,
  created_at TEXT NOT NULL,
  data TEXT NOT NULL,
  secret TEXT
);
CREATE TABLE IF NOT EXISTS role_members (
  role_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (role_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_members (
  org_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_member_roles (
  org_id TEXT NOT NULL, user_id TEXT NOT NULL, role_id TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id, role_id)
) WITHOUT ROWID;
`;

/**
 * Secondary indexes, kept apart so a bulk load can drop them and rebuild them once at the end
 * (sorting a million keys once is far cheaper than a million random b-tree inserts).
 */
export const SECONDARY_INDEXES: Record<string, string> = {
  users_email: 'users(email)',
  users_connection: 'users(connection, seq)',
  users_connection_id: 'users(connection_id, seq)',
  users_created_at: 'users(created_at)',
  role_members_user: 'role_members(user_id)',
  org_members_user: 'org_members(user_id)',
  org_member_roles_role: 'org_member_roles(role_id)',
  org_member_roles_user: 'org_member_roles(user_id)',
};

export function createSecondaryIndexes(db: Db): void {
  for (const [name, on] of Object.entries(SECONDARY_INDEXES)) db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`);
}

export function dropSecondaryIndexes(db: Db): void {
  for (const name of Object.keys(SECONDARY_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
}

/** Opens (creating) the database; the returned `close()` also deletes the temp directory. */
export function openDb(options: OpenDbOptions = {}): OpenedDb {
  const scratchDir = mkdtempSync(join(options.dir ?? tmpdir(), 'a0vault-emu-users-'));
  const db = openSqlite(options.memory ? ':memory:' : join(scratchDir, 'users.sqlite'));
  // Scratch data: no journal, no fsync. A crash loses the tenant, which is what we want.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -65536'); // 64 MiB page cache
  db.exec(SCHEMA);
  createSecondaryIndexes(db);
  let closed = false;
  const removeDir = () => rmSync(scratchDir, { recursive: true, force: true });
  // Best effort: a test process that exits without calling close() still leaves no files.
  process.once('exit', removeDir);
  return {
    db,
    scratchDir,
    close() {
      if (closed) return;
      closed = true;
      db.close();
      removeDir();
      process.removeListener('exit', removeDir);
    },
  };
}
