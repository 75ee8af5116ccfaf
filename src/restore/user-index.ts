/**
 * Compact in-memory indexes for the users comparison (users-diff.ts): no strings, no per-entry
 * objects, so a million users cost tens of megabytes instead of hundreds.
 *
 * - U64Index: open addressing (linear probing) from a 64-bit key, the first 8 bytes of a
 *   sha256, to a non-negative integer; doubles at 70% load, never shrinks.
 * - TargetRows: growable fixed-size rows (fingerprint, per-field hashes, a flag byte).
 * Neither checks for hash collisions beyond the 64 bits: callers accept that risk (≈ n²/2⁶⁵).
 */

/** Open addressing on 64-bit keys → non-negative int; grows at 70% load. */
export class U64Index {
  private keys = new Uint32Array(2 * 1024);
  private vals = new Int32Array(1024).fill(-1);
  private size = 0;

  get(key: Buffer): number {
    const mask = this.vals.length - 1;
    const hi = key.readUInt32LE(0);
    const lo = key.readUInt32LE(4);
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const v = this.vals[i] ?? -1;
      if (v === -1) return -1;
      if (this.keys[2 * i] === hi && this.keys[2 * i + 1] === lo) return v;
    }
  }

  /** Sets key → val unless the key exists; returns the value now stored. */
  add(key: Buffer, val: number): number {
    if ((this.size + 1) * 10 > this.vals.length * 7) this.grow();
    const existing = this.get(key);
    if (existing !== -1) return existing;
    this.place(key.readUInt32LE(0), key.readUInt32LE(4), val);
    this.size++;
    return val;
  }

  private place(hi: number, lo: number, val: number): void {
    const mask = this.vals.length - 1;
    let i = lo & mask;
    while ((this.vals[i] ?? -1) !== -1) i = (i + 1) & mask;
    this.keys[2 * i] = hi;
    this.keys[2 * i + 1] = lo;
    this.vals[i] = val;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Int32Array(vals.length * 2).fill(-1);
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] ?? -1;
      if (v !== -1) this.place(keys[2 * i] ?? 0, keys[2 * i + 1] ?? 0, v);
    }
  }
}

/** Target users as fixed-size rows: fingerprint (8 bytes), `fieldCount` 16-bit field hashes, a seen flag. */
export class TargetRows {
  constructor(private readonly fieldCount: number) {
    this.fields = new Uint16Array(fieldCount * 1024);
  }

  fp = new Uint32Array(2 * 1024);
  fields: Uint16Array;
  seen = new Uint8Array(1024);
  count = 0;

  push(fp: Buffer, fieldHashes: number[]): number {
    if (this.count === this.seen.length) {
      const bigger = { fp: new Uint32Array(this.fp.length * 2), fields: new Uint16Array(this.fields.length * 2), seen: new Uint8Array(this.seen.length * 2) };
      bigger.fp.set(this.fp);
      bigger.fields.set(this.fields);
      bigger.seen.set(this.seen);
      Object.assign(this, bigger);
    }
    const row = this.count++;
    this.fp[2 * row] = fp.readUInt32LE(0);
    this.fp[2 * row + 1] = fp.readUInt32LE(4);
    this.fields.set(fieldHashes, row * this.fieldCount);
    return row;
  }
}
