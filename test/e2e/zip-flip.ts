/**
 * Test helper: where to flip one byte of a snapshot archive so that exactly one entry's stored
 * bytes change (not a header or the central directory), so `verify` must name that entry.
 */
import { open } from 'node:fs/promises';
import yauzl from 'yauzl';

export interface EntryByte {
  /** Entry path inside the archive. */
  path: string;
  /** Absolute offset, in the archive file, of a byte in the middle of the entry's stored data. */
  offset: number;
}

/** The middle byte of the largest entry's stored data in the zip file at `file`. */
export async function middleOfLargestEntry(file: string): Promise<EntryByte> {
  // lazyEntries: entries come one per readEntry(), so none is emitted before the listeners exist
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: true });
  let largest: { path: string; header: number; size: number } | undefined;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!largest || entry.compressedSize > largest.size) {
        largest = { path: entry.fileName, header: entry.relativeOffsetOfLocalHeader, size: entry.compressedSize };
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  if (!largest || largest.size === 0) throw new Error(`${file}: no entry with data`);
  const fh = await open(file, 'r');
  try {
    const header = Buffer.alloc(30);
    await fh.read(header, 0, 30, largest.header);
    if (header.readUInt32LE(0) !== 0x04034b50) throw new Error(`${file}: no local header at ${largest.header}`);
    const dataStart = largest.header + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    return { path: largest.path, offset: dataStart + Math.floor(largest.size / 2) };
  } finally {
    await fh.close();
  }
}

/** Flips every bit of the byte at `offset` of a local file (corruption at rest). */
export async function flipByte(file: string, offset: number): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await fh.read(byte, 0, 1, offset);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await fh.write(byte, 0, 1, offset);
  } finally {
    await fh.close();
  }
}
