/**
 * Counts users per connection in a gzip NDJSON export while its bytes pass through untouched.
 *
 * `tap(chunk)` feeds compressed bytes; `finish()` flushes and returns the counts. The gunzip
 * runs beside the copy, so the file is read once and never held whole.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import { IntegrityError } from '../core/errors.js';

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

  /** Feeds compressed bytes; resolves when the decompressor can take more (backpressure). */
  async tap(chunk: Buffer): Promise<void> {
    if (this.error) return;
    if (!this.gunzip.write(chunk)) {
      await new Promise<void>((resolve) => this.gunzip.once('drain', resolve));
    }
  }

  async finish(): Promise<UserCounts> {
    this.gunzip.end();
    await this.ended;
    if (this.error) throw new IntegrityError('the user export file is not valid gzip', { cause: this.error });
    if (this.rest.trim().length > 0) this.onLine(this.rest);
    return this.counts;
  }

  private onText(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim().length > 0) this.onLine(line);
  }

  private onLine(line: string): void {
    let user: { identities?: { connection?: string; provider?: string }[] };
    try {
      user = JSON.parse(line) as typeof user;
    } catch (err) {
      this.error = new IntegrityError(`the user export has a line that is not JSON (user ${this.counts.total + 1})`, { cause: err });
      return;
    }
    this.counts.total++;
    const identity = user.identities?.[0];
    const connection = identity?.connection ?? '(unknown)';
    this.counts.byConnection[connection] = (this.counts.byConnection[connection] ?? 0) + 1;
    if (identity?.provider !== undefined && identity.provider !== 'auth0') this.counts.nonDatabase++;
  }
}
