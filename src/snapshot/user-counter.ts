/**
 * Counts users per connection in a gzip NDJSON export while its bytes pass through untouched.
 *
 * `tap(chunk)` feeds compressed bytes; `finish()` returns the counts; `close()` stops early.
 * The gunzip and the scan run in a worker thread beside the copy: the export inflates ~7×, so
 * counting handles far more bytes than the copy, and on the copy's thread it paced the whole
 * download (scripts/bench/snapshot.ts, docs/performance.md). The file is read once and never
 * held whole: at most MAX_QUEUED compressed bytes wait for the worker.
 *
 * Cost model of the counting itself: inflate into 256 KiB output chunks (zlib's default 16 KiB
 * costs a thread-pool round trip per 16 KiB: 3× slower), fed large compressed chunks (the
 * caller coalesces network chunks); scan the inflated BYTES for line ends and the first
 * identity, never decoding the whole text.
 */
import { Worker } from 'node:worker_threads';
import { A0vaultError, IntegrityError } from '../core/errors.js';

/** Compressed bytes allowed to wait for the counter (bounds memory). */
const MAX_QUEUED = 4 * 1024 * 1024;

export interface UserCounts {
  total: number;
  byConnection: Record<string, number>;
  /** Users whose first identity is not from a database connection (provider other than auth0). */
  nonDatabase: number;
}

/** What the counting core reports: counts, or the first problem. */
type CoreEvent =
  | { type: 'ack'; bytes: number }
  | { type: 'done'; counts: UserCounts; notJson?: { user: number; message: string } }
  | { type: 'gzip-error'; message: string }
  /** The worker itself failed or exited early (not the export's fault). */
  | { type: 'failed'; message: string };

interface Core {
  write(chunk: Uint8Array): void;
  end(): void;
}

export interface UserCounterOptions {
  /** Count on the calling thread instead of a worker (tests; environments without workers). */
  inline?: boolean;
}

export class UserCounter {
  readonly counts: UserCounts = { total: 0, byConnection: {}, nonDatabase: 0 };
  private readonly core: Core;
  private readonly worker: Worker | undefined;
  private queued = 0;
  private wake: (() => void) | undefined;
  private result: Exclude<CoreEvent, { type: 'ack' }> | undefined;
  private settled: (() => void) | undefined;
  private readonly ended: Promise<void>;

  constructor(options: UserCounterOptions = {}) {
    this.ended = new Promise<void>((resolve) => (this.settled = resolve));
    if (options.inline) {
      this.core = createCountingCore((event) => this.onEvent(event));
      return;
    }
    // the core's own source text runs in the worker (a separate file would need a TypeScript
    // loader there when running from source); `__name` is what esbuild's keepNames may emit
    const source = `const __name = (f) => f;\n(${serveCore.toString()})(${createCountingCore.toString()});`;
    const worker = new Worker(source, { eval: true });
    worker.unref();
    worker.on('message', (event: CoreEvent) => this.onEvent(event));
    worker.on('error', (err) => this.onEvent({ type: 'failed', message: err.message }));
    worker.on('exit', (code) => this.onEvent({ type: 'failed', message: `exited with code ${code}` }));
    this.worker = worker;
    this.core = {
      write: (chunk) => {
        // a copy of exactly these bytes, transferred: cloning a view would copy its whole
        // backing ArrayBuffer (a pooled or larger network buffer), on every chunk
        const own = new Uint8Array(chunk);
        worker.postMessage({ type: 'chunk', chunk: own }, [own.buffer]);
      },
      end: () => worker.postMessage({ type: 'end' }),
    };
  }

  /** Feeds compressed bytes; waits only while more than MAX_QUEUED bytes wait for the counter. */
  async tap(chunk: Buffer): Promise<void> {
    if (this.result) return;
    this.queued += chunk.length;
    this.core.write(chunk);
    while (this.queued > MAX_QUEUED && !this.result) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** Ends the input and returns the counts. IntegrityError: not gzip, or a line that is not JSON. */
  async finish(): Promise<UserCounts> {
    if (!this.result) this.core.end();
    await this.ended;
    this.close();
    const result = this.result;
    if (result?.type === 'gzip-error') throw new IntegrityError('the user export file is not valid gzip', { cause: new Error(result.message) });
    if (result?.type !== 'done') throw new A0vaultError('internal', `the user counter worker failed: ${result?.message ?? 'no result'}`);
    Object.assign(this.counts, result.counts);
    if (result.notJson) {
      throw new IntegrityError(`the user export has a line that is not JSON (user ${result.notJson.user})`, { cause: new SyntaxError(result.notJson.message) });
    }
    return this.counts;
  }

  /** Stops the worker (after finish, or when the copy failed). Idempotent. */
  close(): void {
    void this.worker?.terminate();
  }

  private onEvent(event: CoreEvent): void {
    if (event.type === 'ack') {
      this.queued -= event.bytes;
    } else {
      this.result ??= event;
      this.settled?.();
    }
    if (this.wake && (this.queued <= MAX_QUEUED || this.result)) {
      const wake = this.wake;
      this.wake = undefined;
      wake();
    }
  }
}

/** Worker side: chunks and the end come in as messages, events go back out. Self-contained. */
function serveCore(create: typeof createCountingCore): void {
  const port = process.getBuiltinModule('node:worker_threads').parentPort;
  if (!port) return;
  const core = create((event) => port.postMessage(event));
  port.on('message', (message: { type: 'chunk'; chunk: Uint8Array } | { type: 'end' }) => {
    if (message.type === 'chunk') core.write(message.chunk);
    else core.end();
  });
}

/**
 * The counting core: gunzip + byte scan, reporting through `emit`. SELF-CONTAINED (it is also
 * sent to the worker as source text): no imports and no module-level names inside.
 *
 * A user is counted from the first identity with a byte scan, not JSON.parse: parsing every
 * line of a million-user export cost more than the rest of the copy. Lines that do not look
 * like a user object fall back to a full parse, which also reports invalid JSON.
 */
function createCountingCore(emit: (event: CoreEvent) => void): Core {
  const zlib = process.getBuiltinModule('node:zlib');
  const INFLATE_CHUNK = 256 * 1024;
  const NEWLINE = 0x0a;
  const OPEN_BRACE = 0x7b;
  const CLOSE_BRACE = 0x7d;
  const QUOTE = 0x22;
  const BACKSLASH = 0x5c;
  const IDENTITIES = Buffer.from('"identities":[{');
  const CONNECTION = Buffer.from('"connection":"');
  const PROVIDER = Buffer.from('"provider":"');
  const counts: UserCounts = { total: 0, byConnection: {}, nonDatabase: 0 };
  let notJson: { user: number; message: string } | undefined;
  /** The start of a line whose end has not arrived yet (a copy, so inflated chunks can go). */
  let carry: Buffer | undefined;
  let failed = false;

  /**
   * Searches in one inflated chunk. `indexOf` runs to the end of the buffer when the needle is
   * absent from a line, and a needle may be absent from every line (an export without
   * providers, without backslashes): so for each needle that may be absent, the next hit is
   * remembered and reused by every later search that starts at or before it (linear in the
   * chunk, not per line). `}` and the closing quote of a value are always within a few bytes.
   */
  class NextHit {
    private from = -1;
    private hit = -1;
    constructor(
      private readonly bytes: Buffer,
      private readonly needle: Buffer | number,
      private readonly length: number,
    ) {}
    /** First position of the needle in bytes[from..to), or -1. */
    within(from: number, to: number): number {
      if (this.from < 0 || from < this.from || (this.hit >= 0 && this.hit < from)) {
        this.from = from;
        this.hit = this.bytes.indexOf(this.needle, from);
      }
      return this.hit >= 0 && this.hit + this.length <= to ? this.hit : -1;
    }
  }
  class Scanner {
    readonly identities: NextHit;
    readonly backslash: NextHit;
    readonly connection: NextHit;
    readonly provider: NextHit;
    constructor(readonly bytes: Buffer) {
      this.identities = new NextHit(bytes, IDENTITIES, IDENTITIES.length);
      this.backslash = new NextHit(bytes, BACKSLASH, 1);
      this.connection = new NextHit(bytes, CONNECTION, CONNECTION.length);
      this.provider = new NextHit(bytes, PROVIDER, PROVIDER.length);
    }
    /** First position of a byte that is always near, in bytes[from..to), or -1. */
    near(byte: number, from: number, to: number): number {
      const hit = this.bytes.indexOf(byte, from);
      return hit >= 0 && hit < to ? hit : -1;
    }
  }

  const count = (connection: string | undefined, provider: string | undefined): void => {
    counts.total++;
    const name = connection ?? '(unknown)';
    counts.byConnection[name] = (counts.byConnection[name] ?? 0) + 1;
    if (provider !== undefined && provider !== 'auth0') counts.nonDatabase++;
  };
  const onLineParsed = (line: string): void => {
    if (line.trim().length === 0) return;
    let user: { identities?: { connection?: string; provider?: string }[] };
    try {
      user = JSON.parse(line) as typeof user;
    } catch (err) {
      notJson ??= { user: counts.total + 1, message: (err as Error).message };
      return;
    }
    const identity = user.identities?.[0];
    count(identity?.connection, identity?.provider);
  };
  /** The value of `"key":"…"` within bytes[from..to) of a flat JSON object (no nesting, no escapes). */
  const stringField = (scan: Scanner, marker: NextHit, length: number, from: number, to: number): string | undefined => {
    const i = marker.within(from, to);
    if (i < 0) return undefined;
    const end = scan.near(QUOTE, i + length, to);
    return end < 0 ? undefined : scan.bytes.toString('utf8', i + length, end);
  };
  /** Counts the user on bytes[start..end). */
  const onLine = (scan: Scanner, start: number, end: number): void => {
    const { bytes } = scan;
    const at = scan.identities.within(start, end);
    if (bytes[start] !== OPEN_BRACE || at < 0) {
      onLineParsed(bytes.toString('utf8', start, end));
      return;
    }
    const from = at + IDENTITIES.length;
    let close = scan.near(CLOSE_BRACE, from, end);
    if (close < 0) close = end;
    if (scan.backslash.within(from, close) >= 0) {
      // escaped characters in the identity: let the JSON parser read it exactly
      onLineParsed(bytes.toString('utf8', start, end));
      return;
    }
    count(stringField(scan, scan.connection, CONNECTION.length, from, close), stringField(scan, scan.provider, PROVIDER.length, from, close));
  };
  const onBytes = (bytes: Buffer): void => {
    let start = 0;
    let nl = bytes.indexOf(NEWLINE);
    if (carry) {
      if (nl < 0) {
        carry = Buffer.concat([carry, bytes]);
        return;
      }
      const line = Buffer.concat([carry, bytes.subarray(0, nl)]);
      carry = undefined;
      onLine(new Scanner(line), 0, line.length);
      start = nl + 1;
      nl = bytes.indexOf(NEWLINE, start);
    }
    const scanner = new Scanner(bytes);
    while (nl >= 0) {
      onLine(scanner, start, nl);
      start = nl + 1;
      nl = bytes.indexOf(NEWLINE, start);
    }
    if (start < bytes.length) carry = Buffer.from(bytes.subarray(start));
  };

  const gunzip = zlib.createGunzip({ chunkSize: INFLATE_CHUNK });
  gunzip.on('data', onBytes);
  gunzip.on('error', (err) => {
    failed = true;
    emit({ type: 'gzip-error', message: err.message });
  });
  gunzip.on('end', () => {
    const last = carry;
    carry = undefined;
    if (last) onLine(new Scanner(last), 0, last.length);
    emit({ type: 'done', counts, ...(notJson ? { notJson } : {}) });
  });
  return {
    write(chunk) {
      if (failed) return;
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      gunzip.write(bytes, () => emit({ type: 'ack', bytes: bytes.length }));
    },
    end() {
      if (!failed) gunzip.end();
    },
  };
}
