/**
 * The emulator's user store: users, their secrets flags and their memberships in one SQLite
 * database (see db.ts). Implements the `UserStore` half of the tenant contract and the data
 * access the user, membership and job routes need.
 *
 * Guarantees: every write is synchronous and atomic; reads never return secrets; the streams
 * (`streamState`, `streamMemberships`) read in small keyset pages so a million users never sit
 * in memory, and are ordered (users by user_id, memberships by their keys) so two dumps of the
 * same tenant are byte-identical.
 */
import { Readable } from 'node:stream';
import type { ConfigStore, UserStore } from '../contract.js';
import { createSecondaryIndexes, dropSecondaryIndexes, openDb, type Db, type OpenDbOptions, type OpenedDb } from './db.js';
import { MembershipStore } from './membership-store.js';
import { normalizeEmail, type User, type UserSecret } from './user-model.js';

export interface UserStoreOptions extends OpenDbOptions {
  /** Tenant clock (ms since epoch); defaults to Date.now. */
  now?: () => number;
}

/** A SQL condition over the `users` table (columns: user_id, email, connection, …, data). */
export interface SqlWhere {
  sql: string;
  params: unknown[];
}

export interface NewUserRow {
  user: User;
  connectionId?: string;
  secret?: UserSecret;
}

const PAGE = 500;

export class SqliteUserStore implements UserStore {
  readonly memberships: MembershipStore;
  readonly scratchDir: string;
  readonly now: () => number;
  private readonly db: Db;
  private readonly opened: OpenedDb;
  private readonly s;
  private readonly clearListeners: (() => void)[] = [];
  private readonly watched = new WeakSet<ConfigStore>();

  constructor(options: UserStoreOptions = {}) {
    this.opened = openDb(options);
    this.db = this.opened.db;
    this.scratchDir = this.opened.scratchDir;
    this.now = options.now ?? Date.now;
    this.memberships = new MembershipStore(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      count: p('SELECT COUNT(*) AS n FROM users'),
      insert: p(
        `INSERT INTO users (user_id, email, connection, connection_id, username, created_at, data, secret)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: p('UPDATE users SET email = ?, connection = ?, username = ?, data = ?, secret = ? WHERE user_id = ?'),
      get: p('SELECT data FROM users WHERE user_id = ?'),
      getSecret: p('SELECT secret FROM users WHERE user_id = ?'),
      del: p('DELETE FROM users WHERE user_id = ?'),
      byEmail: p('SELECT data FROM users WHERE email = ? ORDER BY seq'),
      byEmailIn: p('SELECT data FROM users WHERE email = ? AND connection = ? ORDER BY seq'),
      byUsernameIn: p('SELECT data FROM users WHERE username = ? AND connection = ? LIMIT 1'),
      idsOfConnection: p('SELECT user_id FROM users WHERE connection_id = ?'),
      scanAll: p('SELECT seq, data FROM users WHERE seq > ? ORDER BY seq LIMIT ?'),
      scanConn: p('SELECT seq, data FROM users WHERE seq > ? AND connection_id = ? ORDER BY seq LIMIT ?'),
      stateAfter: p('SELECT user_id, data FROM users WHERE user_id > ? ORDER BY user_id LIMIT ?'),
    };
  }

  count(): number {
    return (this.s.count.get() as { n: number }).n;
  }

  /** Inserts one user; throws SQLite's UNIQUE error when the user_id is taken (callers check first). */
  insert(row: NewUserRow): void {
    const { user } = row;
    this.s.insert.run(
      user.user_id,
      typeof user.email === 'string' ? normalizeEmail(user.email) : null,
      user.identities[0]?.connection ?? '',
      row.connectionId ?? null,
      typeof user.username === 'string' ? user.username : null,
      user.created_at,
      JSON.stringify(user),
      row.secret ? JSON.stringify(row.secret) : null,
    );
  }

  /** Inserts many users in one transaction (seeding). */
  insertMany(rows: Iterable<NewUserRow>): void {
    this.transaction(() => {
      for (const row of rows) this.insert(row);
    });
  }

  /**
   * Runs a large load with the secondary indexes dropped and rebuilds them afterwards (also
   * when `fn` throws). Reads that need those indexes are slow until it returns.
   */
  bulkLoad<T>(fn: () => T): T {
    dropSecondaryIndexes(this.db);
    try {
      return fn();
    } finally {
      createSecondaryIndexes(this.db);
    }
  }

  /** Runs `fn` in one SQLite transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get(userId: string): User | undefined {
    const row = this.s.get.get(userId) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as User) : undefined;
  }

  getSecret(userId: string): UserSecret | undefined {
    const row = this.s.getSecret.get(userId) as { secret: string | null } | undefined;
    return row?.secret ? (JSON.parse(row.secret) as UserSecret) : undefined;
  }

  /** Replaces a stored user (same user_id); the secret is kept unless a new one is given. */
  replace(user: User, secret?: UserSecret): void {
    const keep = secret ?? this.getSecret(user.user_id);
    this.s.update.run(
      typeof user.email === 'string' ? normalizeEmail(user.email) : null,
      user.identities[0]?.connection ?? '',
      typeof user.username === 'string' ? user.username : null,
      JSON.stringify(user),
      keep ? JSON.stringify(keep) : null,
      user.user_id,
    );
  }

  /** Deletes a user and all its memberships; false when there was no such user. */
  delete(userId: string): boolean {
    return this.transaction(() => {
      const changed = this.s.del.run(userId).changes > 0;
      this.memberships.forgetUser(userId);
      return changed;
    });
  }

  /** Users with this email (case-insensitive), optionally only in one connection (by name). */
  byEmail(email: string, connection?: string): User[] {
    const key = normalizeEmail(email);
    const rows = (connection === undefined ? this.s.byEmail.all(key) : this.s.byEmailIn.all(key, connection)) as {
      data: string;
    }[];
    return rows.map((r) => JSON.parse(r.data) as User);
  }

  byUsername(username: string, connection: string): User | undefined {
    const row = this.s.byUsernameIn.get(username, connection) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as User) : undefined;
  }

  /** Users matching `where`, ordered by `orderBy` (a trusted SQL ORDER BY expression). */
  search(where: SqlWhere, orderBy: string, limit: number, offset: number): User[] {
    const sql = `SELECT data FROM users WHERE ${where.sql} ORDER BY ${orderBy} LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...where.params, limit, offset) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as User);
  }

  countWhere(where: SqlWhere): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM users WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
  }

  /** Up to `limit` users after creation sequence `afterSeq`, optionally of one connection id. */
  scan(afterSeq: number, limit: number, connectionId?: string): { seq: number; data: string }[] {
    return (
      connectionId === undefined ? this.s.scanAll.all(afterSeq, limit) : this.s.scanConn.all(afterSeq, connectionId, limit)
    ) as { seq: number; data: string }[];
  }

  /** Deletes every user of a connection (by connection id) with their memberships. */
  deleteByConnectionId(connectionId: string): number {
    return this.transaction(() => {
      const ids = (this.s.idsOfConnection.all(connectionId) as { user_id: string }[]).map((r) => r.user_id);
      for (const id of ids) this.delete(id);
      return ids.length;
    });
  }

  /** Drops users and memberships that belonged to config objects when those are deleted. Idempotent. */
  watch(config: ConfigStore): void {
    if (this.watched.has(config)) return;
    this.watched.add(config);
    config.onDelete((type, id) => {
      if (type === 'roles') this.memberships.forgetRole(id);
      else if (type === 'organizations') this.memberships.forgetOrganization(id);
      else if (type === 'connections') this.deleteByConnectionId(id);
    });
  }

  streamState(): Readable {
    const stateAfter = this.s.stateAfter;
    return Readable.from(
      (function* () {
        let after = '';
        for (;;) {
          const rows = stateAfter.all(after, PAGE) as { user_id: string; data: string }[];
          if (rows.length === 0) return;
          yield rows.map((r) => r.data + '\n').join('');
          after = rows[rows.length - 1]!.user_id;
        }
      })(),
    );
  }

  streamMemberships(): Readable {
    const tables = [
      { kind: 'role-member', sql: 'SELECT role_id, user_id FROM role_members', keys: ['role_id', 'user_id'] },
      { kind: 'org-member', sql: 'SELECT org_id, user_id FROM org_members', keys: ['org_id', 'user_id'] },
      {
        kind: 'org-member-role',
        sql: 'SELECT org_id, user_id, role_id FROM org_member_roles',
        keys: ['org_id', 'user_id', 'role_id'],
      },
    ];
    const db = this.db;
    return Readable.from(
      (function* () {
        for (const t of tables) {
          const cols = t.keys.join(', ');
          const first = db.prepare(`${t.sql} ORDER BY ${cols} LIMIT ?`);
          const next = db.prepare(
            `${t.sql} WHERE (${cols}) > (${t.keys.map(() => '?').join(', ')}) ORDER BY ${cols} LIMIT ?`,
          );
          let last: Record<string, string> | undefined;
          for (;;) {
            const rows = (last ? next.all(...t.keys.map((k) => last![k]), PAGE) : first.all(PAGE)) as Record<
              string,
              string
            >[];
            if (rows.length === 0) break;
            yield rows.map((r) => JSON.stringify({ kind: t.kind, ...r }) + '\n').join('');
            last = rows[rows.length - 1];
          }
        }
      })(),
    );
  }

  /** Called after `clear()` (the job service uses it to drop its jobs on an admin reset). */
  onClear(listener: () => void): void {
    this.clearListeners.push(listener);
  }

  clear(): void {
    this.db.exec('DELETE FROM users; DELETE FROM role_members; DELETE FROM org_members; DELETE FROM org_member_roles;');
    for (const l of this.clearListeners) l();
  }

  /** Closes the database and deletes its temp directory. */
  close(): void {
    this.opened.close();
  }
}

/** Creates a user store (on disk in a fresh temp dir unless `memory: true`). */
export function createUserStore(options: UserStoreOptions = {}): SqliteUserStore {
  return new SqliteUserStore(options);
}
