import { describe, expect, it } from 'vitest';
import {
  V1_EXTERNAL_ATTRIBUTES,
  V1_VERSION_MADE_BY,
  checkCentralRecord,
  checkDataDescriptor,
  checkLocalHeader,
  dataDescriptorLength,
  type CentralRecord,
} from './zip-structure.js';

const name = Buffer.from('users/users.ndjson.gz');

function central(overrides: Partial<CentralRecord> = {}): CentralRecord {
  return {
    versionMadeBy: V1_VERSION_MADE_BY,
    internalFileAttributes: 0,
    externalFileAttributes: V1_EXTERNAL_ATTRIBUTES,
    fileCommentLength: 0,
    fileNameRaw: name,
    extraFieldRaw: Buffer.alloc(0),
    versionNeededToExtract: 20,
    generalPurposeBitFlag: 0x8,
    compressionMethod: 0,
    lastModFileTime: 0x1234,
    lastModFileDate: 0x5678,
    crc32: 0xdeadbeef,
    compressedSize: 1000,
    uncompressedSize: 1000,
    relativeOffsetOfLocalHeader: 500,
    ...overrides,
  };
}

/** The local header archiver writes for `cd` (data descriptor: zero CRC and sizes). */
function localHeader(cd: CentralRecord, extra = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4);
  b.writeUInt16LE(cd.generalPurposeBitFlag, 6);
  b.writeUInt16LE(cd.compressionMethod, 8);
  b.writeUInt16LE(cd.lastModFileTime, 10);
  b.writeUInt16LE(cd.lastModFileDate, 12);
  b.writeUInt16LE(cd.fileNameRaw.length, 26);
  b.writeUInt16LE(extra.length, 28);
  return Buffer.concat([b, cd.fileNameRaw, extra]);
}

function descriptor(cd: CentralRecord, wide: boolean): Buffer {
  const b = Buffer.alloc(wide ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(cd.crc32, 4);
  if (wide) {
    b.writeBigUInt64LE(BigInt(cd.compressedSize), 8);
    b.writeBigUInt64LE(BigInt(cd.uncompressedSize), 16);
  } else {
    b.writeUInt32LE(cd.compressedSize, 8);
    b.writeUInt32LE(cd.uncompressedSize, 12);
  }
  return b;
}

describe('local header', () => {
  it('accepts what archiver writes and locates the data', () => {
    const cd = central();
    expect(checkLocalHeader(localHeader(cd), cd)).toEqual({ problems: [], dataStart: 500 + 30 + name.length });
  });

  it('reports every field that disagrees with the central directory', () => {
    const cd = central();
    const offsets: [number, RegExp][] = [
      [0, /signature/],
      [4, /needs version/],
      [6, /flags/],
      [8, /compression method/],
      [10, /time/],
      [12, /date/],
      [14, /CRC or sizes/],
      [20, /CRC or sizes/],
      [26, /name length/],
      [28, /extra field length/],
      [30, /name differs/],
    ];
    for (const [offset, problem] of offsets) {
      const buf = localHeader(cd);
      buf[offset] = (buf[offset] ?? 0) ^ 0x01;
      expect(checkLocalHeader(buf, cd).problems.join('; ')).toMatch(problem);
    }
    expect(checkLocalHeader(localHeader(cd).subarray(0, 20), cd).problems).toEqual(['local header is cut off by the end of the archive']);
  });

  it('refuses compressed and zip-encrypted entries', () => {
    const deflated = central({ compressionMethod: 8 });
    expect(checkLocalHeader(localHeader(deflated), deflated).problems.join()).toMatch(/stores entries/);
    const encrypted = central({ generalPurposeBitFlag: 0x9 });
    expect(checkLocalHeader(localHeader(encrypted), encrypted).problems.join()).toMatch(/zip-encrypted/);
  });

  it('accepts a zip64 entry whose extra field is in the central directory only', () => {
    const zip64Extra = Buffer.alloc(28);
    zip64Extra.writeUInt16LE(0x0001, 0);
    zip64Extra.writeUInt16LE(24, 2);
    const cd = central({ versionNeededToExtract: 45, extraFieldRaw: zip64Extra, compressedSize: 5 * 2 ** 30, uncompressedSize: 5 * 2 ** 30 });
    const local = localHeader(cd); // version 20, no extra: what archiver streams before the size is known
    expect(checkLocalHeader(local, cd).problems).toEqual([]);
    expect(checkLocalHeader(local, cd).dataStart).toBe(500 + 30 + name.length);
  });
});

describe('data descriptor', () => {
  it('checks CRC and sizes, 4-byte or (zip64) 8-byte', () => {
    const small = central();
    expect(dataDescriptorLength(small)).toBe(16);
    expect(checkDataDescriptor(descriptor(small, false), small)).toEqual([]);
    const big = central({ compressedSize: 5 * 2 ** 30, uncompressedSize: 5 * 2 ** 30 });
    expect(dataDescriptorLength(big)).toBe(24);
    expect(checkDataDescriptor(descriptor(big, true), big)).toEqual([]);
    for (const [offset, problem] of [
      [0, /signature/],
      [4, /CRC-32/],
      [8, /compressed size/],
      [12, /size is/],
    ] as const) {
      const buf = descriptor(small, false);
      buf[offset] = (buf[offset] ?? 0) ^ 0x80;
      expect(checkDataDescriptor(buf, small).join()).toMatch(problem);
    }
    expect(checkDataDescriptor(Buffer.alloc(4), small)).toEqual(['data descriptor is cut off by the end of the archive']);
    expect(dataDescriptorLength(central({ generalPurposeBitFlag: 0 }))).toBe(0);
  });
});

describe('central directory record', () => {
  it('must carry the v1 values', () => {
    expect(checkCentralRecord(central())).toEqual([]);
    expect(checkCentralRecord(central({ versionMadeBy: 0x0014 })).join()).toMatch(/version made by/);
    expect(checkCentralRecord(central({ externalFileAttributes: 0x81ed0020 })).join()).toMatch(/file attributes/);
    expect(checkCentralRecord(central({ internalFileAttributes: 1 })).join()).toMatch(/internal attributes/);
    expect(checkCentralRecord(central({ fileCommentLength: 3 })).join()).toMatch(/comment/);
    expect(checkCentralRecord(central({ compressedSize: 999 })).join()).toMatch(/stored entry has compressed size/);
  });
});
