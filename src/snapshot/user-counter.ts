/**
 * Counts users per connection in a gzip NDJSON export while its bytes pass through untouched.
 *
 * `tap(chunk)` feeds compressed bytes; `finish()` flushes and returns the counts. The gunzip
 * runs beside the copy (on the thread pool), so the file is read once and never held whole.
 *
 * Cost model (scripts/bench/snapshot.ts): the export inflates ~7×, so this side path handles
 * far more bytes than the copy itself. It is kept cheap by (1) inflating into 256 KiB output
 * chunks (zlib's default 16 KiB costs a thread-pool round trip per 16 KiB: 3× slower), (2)
 * being fed large compressed chunks (the caller coalesces network chunks), and (3) scanning
 * the inflated BYTES for line ends and the first identity, never decoding the whole text.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import { IntegrityError } from '../core/errors.js';

/** Compressed bytes allowed to wait for the side decompressor (bounds memory). */
const MAX_QUEUED = 4 * 1024 * 1024;
/** Inflated bytes per zlib output chunk (one thread-pool job each). */
const INFLATE_CHUNK = 256 * 1024;

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const IDENTITIES = Buffer.from('"identities":[{');
const CONNECTION = Buffer.from('"connection":"');
const PROVIDER = Buffer.from('"provider":"');

export interface UserCounts {
  total: number;
  byConnection: Record<string, number>;
  /** Users whose first identity is not from a database connection (provider other than auth0). */
  nonDatabase: number;
}

export class UserCounter {
  private readonly gunzip: Gunzip;
  /** The start of a line whose end has not arrived yet (a copy, so inflated chunks can go). */
  private carry: Buffer | undefined;
  private error: Error | undefined;
  readonly counts: UserCounts = { total: 0, byConnection: {}, nonDatabase: 0 };
  private readonly ended: Promise<void>;

  constructor() {
    this.gunzip = createGunzip({ chunkSize: INFLATE_CHUNK });
    this.gunzip.on('data', (bytes: Buffer) => this.onBytes(bytes));
    this.ended = new Promise<void>((resolve) => {
      this.gunzip.on('end', () => resolve());
      this.gunzip.on('error', (err) => {
        this.error = err;
        resolve();
      });
    });
  }

  /**
   * Feeds compressed bytes. Waits only when more than MAX_QUEUED bytes are waiting for the
   * decompressor: waiting for 'drain' after every chunk put a thread-pool round trip on each
   * network chunk and made the copy several times slower (scripts/bench/snapshot.ts).
   */
  async tap(chunk: Buffer): Promise<void> {
    if (this.error) return;
    this.gunzip.write(chunk);
    if (this.gunzip.writableLength > MAX_QUEUED) {
      await new Promise<void>((resolve) => this.gunzip.once('drain', resolve));
    }
  }

  async finish(): Promise<UserCounts> {
    this.gunzip.end();
    await this.ended;
    if (this.error instanceof IntegrityError) throw this.error;
    if (this.error) throw new IntegrityError('the user export file is not valid gzip', { cause: this.error });
    const last = this.carry;
    this.carry = undefined;
    if (last) this.onLine(new Scanner(last), 0, last.length);
    if (this.error) throw this.error;
    return this.counts;
  }

  private onBytes(bytes: Buffer): void {
    let start = 0;
    let nl = bytes.indexOf(NEWLINE);
    if (this.carry) {
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, bytes]);
        return;
      }
      const line = Buffer.concat([this.carry, bytes.subarray(0, nl)]);
      this.carry = undefined;
      this.onLine(new Scanner(line), 0, line.length);
      start = nl + 1;
      nl = bytes.indexOf(NEWLINE, start);
    }
    const scanner = new Scanner(bytes);
    while (nl >= 0) {
      this.onLine(scanner, start, nl);
      start = nl + 1;
      nl = bytes.indexOf(NEWLINE, start);
    }
    if (start < bytes.length) this.carry = Buffer.from(bytes.subarray(start));
  }

  /**
   * Counts the user on bytes[start..end). The connection and provider are read from the first
   * identity with a byte scan, not JSON.parse: parsing every line of a million-user export cost
   * more than the rest of the copy (scripts/bench/snapshot.ts). Lines that do not look like a
   * user object fall back to a full parse, which also reports invalid JSON.
   */
  private onLine(scan: Scanner, start: number, end: number): void {
    const { bytes } = scan;
    const at = scan.find(IDENTITIES, start, end);
    if (bytes[start] !== OPEN_BRACE || at < 0) {
      this.onLineParsed(bytes.toString('utf8', start, end));
      return;
    }
    const from = at + IDENTITIES.length;
    let close = scan.find(CLOSE_BRACE, from, end);
    if (close < 0) close = end;
    if (scan.find(BACKSLASH, from, close) >= 0) {
      // escaped characters in the identity: let the JSON parser read it exactly
      this.onLineParsed(bytes.toString('utf8', start, end));
      return;
    }
    this.count(stringField(scan, CONNECTION, from, close), stringField(scan, PROVIDER, from, close));
  }

  private onLineParsed(line: string): void {
    if (line.trim().length === 0) return;
    let user: { identities?: { connection?: string; provider?: string }[] };
    try {
      user = JSON.parse(line) as typeof user;
    } catch (err) {
      this.error ??= new IntegrityError(`the user export has a line that is not JSON (user ${this.counts.total + 1})`, { cause: err });
      return;
    }
    const identity = user.identities?.[0];
    this.count(identity?.connection, identity?.provider);
  }

  private count(connection: string | undefined, provider: string | undefined): void {
    this.counts.total++;
    const name = connection ?? '(unknown)';
    this.counts.byConnection[name] = (this.counts.byConnection[name] ?? 0) + 1;
    if (provider !== undefined && provider !== 'auth0') this.counts.nonDatabase++;
  }
}

/** The value of `"key":"…"` within bytes[from..to) of a flat JSON object (no nesting, no escapes). */
function stringField(scan: Scanner, marker: Buffer, from: number, to: number): string | undefined {
  const i = scan.find(marker, from, to);
  if (i < 0) return undefined;
  const start = i + marker.length;
  const end = scan.find(QUOTE, start, to);
  return end < 0 ? undefined : scan.bytes.toString('utf8', start, end);
}

/**
 * Bounded searches in one buffer without rescanning: `indexOf` runs to the end of the buffer
 * when the needle is absent from a line, so the next hit of each needle is remembered and
 * reused by every later search that starts before it (linear over the buffer, not per line).
 */
class Scanner {
  /** Per needle: the search start and the first hit at or after it (-1: none). */
  private readonly next = new Map<Buffer | number, { from: number; hit: number }>();

  constructor(readonly bytes: Buffer) {}

  /** First position of `needle` in bytes[from..to), or -1. */
  find(needle: Buffer | number, from: number, to: number): number {
    let cached = this.next.get(needle);
    if (cached === undefined || from < cached.from || (cached.hit >= 0 && cached.hit < from)) {
      cached = { from, hit: this.bytes.indexOf(needle, from) };
      this.next.set(needle, cached);
    }
    const { hit } = cached;
    return hit >= 0 && hit + (typeof needle === 'number' ? 1 : needle.length) <= to ? hit : -1;
  }
}
