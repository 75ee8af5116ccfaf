/**
 * A strict fake of the Google Cloud Storage JSON API, for tests: `startGcsFake()` in process,
 * or `npm run gcs-fake -- --port 0` as a separate process (see ./main.ts).
 *
 * It serves the production-shaped paths that @google-cloud/storage uses with `apiEndpoint`
 * (/storage/v1/…, /upload/storage/v1/…, /download/storage/v1/…) on 127.0.0.1, keeps object
 * content in files under a temp directory (never in memory), and can inject faults.
 * Known differences from real GCS are listed in docs/storage.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Faults } from './faults.js';
import { corruptStored, handleRequest, type FakeState, type RequestLogEntry } from './server.js';
import { FakeStore } from './store.js';
import { UploadSessions } from './uploads.js';

export type { FakeRoute, FaultRule } from './faults.js';
export type { RequestLogEntry } from './server.js';
export { Faults } from './faults.js';
export { Crc32c } from '../../src/storage/crc32c.js';

export interface GcsFakeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Seed of the fault RNG. Default 1. */
  seed?: number;
  /** Where content files go; default a fresh temp directory, removed on close. */
  dataDir?: string;
  /** Buckets to create at start. */
  buckets?: Array<string | { name: string; versioning?: boolean; retentionPeriod?: number }>;
  /** The fake's clock (object creation times, retention checks). Default: the system clock. */
  now?: () => Date;
}

export interface GcsFake {
  /** e.g. http://127.0.0.1:41234 — pass as `apiEndpoint`. */
  readonly endpoint: string;
  readonly faults: Faults;
  readonly store: FakeStore;
  /** Every request handled so far (oldest first). */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Calls `listener` after each request is over; returns a function that unsubscribes. */
  onRequest(listener: (entry: RequestLogEntry) => void): () => void;
  /** `retentionPeriod` (seconds) gives the bucket a retention policy. */
  createBucket(name: string, options?: { versioning?: boolean; retentionPeriod?: number }): void;
  /** Resumable sessions still open (neither finalized, failed nor cancelled). */
  activeUploads(): Array<{ bucket: string; name: string; persisted: number }>;
  /** Flips one stored byte of the live object, leaving its recorded hashes alone. */
  corruptStored(bucket: string, name: string, offset?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startGcsFake(options: GcsFakeOptions = {}): Promise<GcsFake> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'a0vault-gcs-fake-')));
  const store = new FakeStore(dataDir, options.now);
  const state: FakeState = { store, sessions: new UploadSessions(store), faults: new Faults(options.seed ?? 1), log: [], listeners: new Set() };
  for (const bucket of options.buckets ?? []) {
    if (typeof bucket === 'string') store.createBucket(bucket);
    else store.createBucket(bucket.name, bucket.versioning ?? false, bucket.retentionPeriod);
  }
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    void handleRequest(state, req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    faults: state.faults,
    store,
    requests: () => [...state.log],
    clearRequests: () => void (state.log.length = 0),
    onRequest(listener) {
      state.listeners.add(listener);
      return () => void state.listeners.delete(listener);
    },
    createBucket: (name, opts) => void store.createBucket(name, opts?.versioning ?? false, opts?.retentionPeriod),
    activeUploads: () => state.sessions.active(),
    corruptStored: (bucket, name, offset) => corruptStored(store, bucket, name, offset),
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
