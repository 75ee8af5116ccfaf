/**
 * The SQLite driver behind the user store: better-sqlite3 where it loads (built for this Node's
 * ABI at install), else Node's built-in `node:sqlite` (22.13+). CI's second pass runs on the
 * npm registry's Node 22, which ships no C headers, so better-sqlite3 cannot be rebuilt for it
 * offline; the built-in driver keeps the emulator working there.
 * Only the small surface the store uses is exposed: prepare/get/all/run, exec, pragma,
 * transaction, close.
 */
import { createRequire } from 'node:module';

export interface Stmt {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint };
}

export interface Db {
  prepare(sql: string): Stmt;
  exec(sql: string): void;
  pragma(text: string): unknown;
  /** Like better-sqlite3: returns a function that runs `fn` inside BEGIN/COMMIT (ROLLBACK on throw). */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}

const require = createRequire(import.meta.url);

type BetterSqlite = new (path: string) => Db;

function loadBetterSqlite(): BetterSqlite | undefined {
  if (process.env.A0VAULT_EMULATOR_SQLITE === 'builtin') return undefined;
  try {
    const Database = require('better-sqlite3') as BetterSqlite;
    // loading the module does not load the native binding; opening a database does
    new Database(':memory:').close();
    return Database;
  } catch {
    return undefined;
  }
}

interface NodeSqliteDatabase {
  prepare(sql: string): Stmt;
  exec(sql: string): void;
  close(): void;
}

class BuiltinDb implements Db {
  private depth = 0;

  constructor(private readonly db: NodeSqliteDatabase) {}

  prepare(sql: string): Stmt {
    return this.db.prepare(sql);
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  pragma(text: string): unknown {
    return this.db.prepare(`PRAGMA ${text}`).all();
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      const nested = this.depth > 0;
      const name = `sp${this.depth}`;
      this.db.exec(nested ? `SAVEPOINT ${name}` : 'BEGIN');
      this.depth++;
      try {
        const result = fn(...args);
        this.depth--;
        this.db.exec(nested ? `RELEASE ${name}` : 'COMMIT');
        return result;
      } catch (err) {
        this.depth--;
        this.db.exec(nested ? `ROLLBACK TO ${name}; RELEASE ${name}` : 'ROLLBACK');
        throw err;
      }
    };
  }

  close(): void {
    this.db.close();
  }
}

let driver: BetterSqlite | undefined | null = null;

export function openSqlite(path: string): Db {
  if (driver === null) driver = loadBetterSqlite();
  if (driver) return new driver(path);
  const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (path: string) => NodeSqliteDatabase };
  return new BuiltinDb(new DatabaseSync(path));
}
