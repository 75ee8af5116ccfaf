/**
 * Counts users per connection in a gzip NDJSON export while its bytes pass through untouched.
 *
 * `tap(chunk)` feeds compressed bytes; `finish()` flushes and returns the counts. The gunzip
 * runs beside the copy, so the file is read once and never held whole.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import { IntegrityError } from '../core/errors.js';

/** Compressed bytes allowed to wait for the side decompressor (bounds memory). */
const MAX_QUEUED = 4 * 1024 * 1024;

export interface UserCounts {
  total: number;
  byConnection: Record<string, number>;
  /** Users whose first identity is not from a database connection (provider other than auth0). */
  nonDatabase: number;
}

export class UserCounter {
  private readonly gunzip: Gunzip;
  private rest = '';
  private error: Error | undefined;
  readonly counts: UserCounts = { total: 0, byConnection: {}, nonDatabase: 0 };
  private readonly ended: Promise<void>;

  constructor() {
    this.gunzip = createGunzip();
    this.gunzip.setEncoding('utf8');
    this.gunzip.on('data', (text: string) => this.onText(text));
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
    if (this.rest.trim().length > 0) this.onLine(this.rest);
    if (this.error) throw this.error;
    return this.counts;
  }

  private onText(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim().length > 0) this.onLine(line);
  }

  /**
   * Counts one exported user. The connection and provider are read from the first identity
   * with a string scan, not JSON.parse: parsing every line of a million-user export cost more
   * than the rest of the copy (scripts/bench/snapshot.ts). Lines that do not look like a user
   * object fall back to a full parse, which also reports invalid JSON.
   */
  private onLine(line: string): void {
    const at = line.indexOf('"identities":[{');
    if (line.charCodeAt(0) !== 123 /* { */ || at < 0) {
      this.onLineParsed(line);
      return;
    }
    const end = line.indexOf('}', at);
    const identity = line.slice(at + 15, end < 0 ? undefined : end);
    if (identity.includes('\\')) {
      // escaped characters in the identity: let the JSON parser read it exactly
      this.onLineParsed(line);
      return;
    }
    this.count(stringField(identity, 'connection'), stringField(identity, 'provider'));
  }

  private onLineParsed(line: string): void {
    let user: { identities?: { connection?: string; provider?: string }[] };
    try {
      user = JSON.parse(line) as typeof user;
    } catch (err) {
      this.error = new IntegrityError(`the user export has a line that is not JSON (user ${this.counts.total + 1})`, { cause: err });
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

/** The value of `"key":"…"` in a flat JSON object text (identity objects hold no nesting). */
function stringField(text: string, key: string): string | undefined {
  const marker = `"${key}":"`;
  const i = text.indexOf(marker);
  if (i < 0) return undefined;
  const start = i + marker.length;
  const end = text.indexOf('"', start);
  if (end < 0) return undefined;
  return text.slice(start, end);
}
