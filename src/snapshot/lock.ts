/**
 * A single-writer lock per tenant and storage location.
 *
 * The lock is an object created with a must-not-exist precondition, so of two writers exactly
 * one gets it. The holder refreshes it (compare-and-swap on the object's version) every
 * `refreshMs`; a lock not refreshed for `staleMs` (default 10 min), or held by a process on this
 * host that no longer runs, is stale and is taken over with a warning. A live lock held by
 * another writer is refused unless `breakLock` is set.
 * Errors: A0vaultError('locked') when held by someone else; StorageError from the backend.
 */
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { Clock } from '../core/abort.js';
import { A0vaultError } from '../core/errors.js';
import type { ProgressReporter } from '../core/progress.js';
import { PreconditionFailedError, type StorageBackend } from '../storage/backend.js';

export interface LockBody {
  owner: string;
  host: string;
  pid: number;
  purpose: string;
  acquiredAt: string;
  refreshedAt: string;
}

export interface LockOptions {
  storage: StorageBackend;
  key: string;
  purpose: string;
  clock: Clock;
  progress: ProgressReporter;
  signal: AbortSignal;
  breakLock?: boolean;
  staleMs?: number;
  refreshMs?: number;
}

export interface HeldLock {
  release(): Promise<void>;
}

export const DEFAULT_LOCK_STALE_MS = 10 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(options: LockOptions): Promise<HeldLock> {
  const { storage, key, signal, clock } = options;
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const now = new Date(clock.now()).toISOString();
  const body: LockBody = { owner: `${hostname()}:${process.pid}`, host: hostname(), pid: process.pid, purpose: options.purpose, acquiredAt: now, refreshedAt: now };
  const write = (overwrite: boolean | { version: string }) =>
    storage.put(key, () => Readable.from([JSON.stringify(body)]), { signal, overwrite, contentType: 'application/json' });

  let info;
  try {
    info = await write(false);
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
    const existing = await storage.stat(key, { signal });
    const held = existing ? await storage.get(key, async (s) => JSON.parse(await text(s)) as LockBody, { signal }).catch(() => undefined) : undefined;
    const age = held ? clock.now() - Date.parse(held.refreshedAt) : Infinity;
    const deadHere = held !== undefined && held.host === hostname() && !processAlive(held.pid);
    const stale = age > staleMs || deadHere;
    if (!stale && !options.breakLock) {
      throw new A0vaultError('locked', `${key} is locked by ${held?.owner ?? 'another writer'} (${held?.purpose ?? 'unknown'}, refreshed ${Math.round(age / 1000)} s ago); wait for it, or use --break-lock if it is gone`, {
        details: { key, holder: held },
      });
    }
    options.progress.emit({ type: 'warning', message: `taking over ${stale ? 'stale' : 'live'} lock ${key} held by ${held?.owner ?? 'unknown'}` });
    info = await write(existing ? { version: existing.version } : false);
  }

  let version = info.version;
  let stopped = false;
  const refreshMs = options.refreshMs ?? 60_000;
  const stopController = new AbortController();
  const refresher = (async () => {
    const stopSignal = AbortSignal.any([signal, stopController.signal]);
    while (!stopped) {
      try {
        await clock.sleep(refreshMs, stopSignal);
      } catch {
        return;
      }
      if (stopped) return;
      body.refreshedAt = new Date(clock.now()).toISOString();
      try {
        version = (await write({ version })).version;
      } catch (err) {
        options.progress.emit({ type: 'warning', message: `could not refresh lock ${key}: ${(err as Error).message}` });
      }
    }
  })();

  return {
    async release() {
      stopped = true;
      stopController.abort();
      await refresher;
      // release even when the run was cancelled: use a fresh signal
      await storage.remove(key, { signal: AbortSignal.timeout(30_000), ifVersion: version }).catch((err: unknown) => {
        options.progress.emit({ type: 'warning', message: `could not release lock ${key}: ${(err as Error).message}` });
      });
    },
  };
}
