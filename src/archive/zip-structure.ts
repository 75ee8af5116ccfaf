/**
 * ZIP framing checks beyond what yauzl does: the local file header and the data descriptor of
 * an entry must agree with its central directory record. With these and the content checks
 * (CRC-32, sha256), a changed byte in any entry's header, name, data or descriptor is reported
 * against that entry rather than only as "the archive hash differs".
 *
 * Pure functions over buffers; they return problems (strings) instead of throwing.
 */
import type { Entry } from 'yauzl';

export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;
export const LOCAL_HEADER_FIXED_BYTES = 30;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DATA_DESCRIPTOR = 0x8;
const ZIP64_EXTRA_ID = 0x0001;
const MAX32 = 0xffffffff;

/** What v1 readers need from a central directory record. */
export interface CentralRecord {
  versionMadeBy: number;
  internalFileAttributes: number;
  externalFileAttributes: number;
  fileCommentLength: number;
  fileNameRaw: Buffer;
  extraFieldRaw: Buffer;
  versionNeededToExtract: number;
  generalPurposeBitFlag: number;
  compressionMethod: number;
  lastModFileTime: number;
  lastModFileDate: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  relativeOffsetOfLocalHeader: number;
}

export function centralRecordOf(entry: Entry): CentralRecord {
  return entry;
}

/** Made by Unix (3), spec version 4.5 (45): what archiver writes. */
export const V1_VERSION_MADE_BY = 0x032d;
/** A regular file, mode 0644, DOS "archive" bit: ((S_IFREG | 0o644) << 16) | 0x20. */
export const V1_EXTERNAL_ATTRIBUTES = 0x81a40020;

/**
 * Checks the central directory fields that no other structure repeats against the values every
 * v1 archive has, so a changed byte there is still reported against its entry.
 */
export function checkCentralRecord(cd: CentralRecord): string[] {
  const problems: string[] = [];
  if (cd.versionMadeBy !== V1_VERSION_MADE_BY) problems.push(`central directory "version made by" is 0x${cd.versionMadeBy.toString(16)}, format version 1 has 0x${V1_VERSION_MADE_BY.toString(16)}`);
  if (cd.externalFileAttributes >>> 0 !== V1_EXTERNAL_ATTRIBUTES) problems.push(`central directory file attributes are 0x${(cd.externalFileAttributes >>> 0).toString(16)}, format version 1 has 0x${V1_EXTERNAL_ATTRIBUTES.toString(16)}`);
  if (cd.internalFileAttributes !== 0) problems.push(`central directory internal attributes are ${cd.internalFileAttributes}, expected 0`);
  if (cd.fileCommentLength !== 0) problems.push('entry has a comment; format version 1 entries have none');
  if (cd.compressionMethod === 0 && cd.compressedSize !== cd.uncompressedSize) {
    problems.push(`stored entry has compressed size ${cd.compressedSize} but size ${cd.uncompressedSize}`);
  }
  return problems;
}

function hasZip64Extra(extra: Buffer): boolean {
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === ZIP64_EXTRA_ID) return true;
    i += 4 + len;
  }
  return false;
}

/** True when sizes in the data descriptor are 8 bytes (the entry needed zip64). */
export function usesZip64Sizes(cd: CentralRecord): boolean {
  return cd.compressedSize > MAX32 || cd.uncompressedSize > MAX32;
}

/** Bytes to read at the local header offset to check it in one go. */
export function localHeaderReadLength(cd: CentralRecord): number {
  return LOCAL_HEADER_FIXED_BYTES + cd.fileNameRaw.length + cd.extraFieldRaw.length;
}

export interface LocalHeaderCheck {
  problems: string[];
  /** Offset of the entry's first data byte (valid when there are no problems). */
  dataStart: number;
}

/**
 * Checks a local file header (`buf` read at the CD's offset, `localHeaderReadLength` bytes or
 * fewer at the end of the file) against the central directory record. v1 entries are STORED,
 * unencrypted, and written with a data descriptor (sizes in the local header are zero).
 */
export function checkLocalHeader(buf: Buffer, cd: CentralRecord): LocalHeaderCheck {
  const problems: string[] = [];
  const dataStart = cd.relativeOffsetOfLocalHeader + LOCAL_HEADER_FIXED_BYTES + cd.fileNameRaw.length + cd.extraFieldRaw.length;
  if (buf.length < LOCAL_HEADER_FIXED_BYTES) return { problems: ['local header is cut off by the end of the archive'], dataStart };
  if (buf.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) problems.push('local header signature is wrong');
  if (cd.compressionMethod !== 0) problems.push(`compression method is ${cd.compressionMethod}; format version 1 stores entries (method 0)`);
  if (cd.generalPurposeBitFlag & FLAG_ENCRYPTED) problems.push('entry is marked as zip-encrypted');
  const zip64 = hasZip64Extra(cd.extraFieldRaw);
  const version = buf.readUInt16LE(4);
  if (version !== cd.versionNeededToExtract && !(zip64 && cd.versionNeededToExtract === 45 && version === 20)) {
    problems.push(`local header needs version ${version}, central directory says ${cd.versionNeededToExtract}`);
  }
  const compare = (name: string, local: number, central: number) => {
    if (local !== central) problems.push(`local header ${name} is ${local}, central directory says ${central}`);
  };
  compare('flags', buf.readUInt16LE(6), cd.generalPurposeBitFlag);
  compare('compression method', buf.readUInt16LE(8), cd.compressionMethod);
  compare('time', buf.readUInt16LE(10), cd.lastModFileTime);
  compare('date', buf.readUInt16LE(12), cd.lastModFileDate);
  const localCrc = buf.readUInt32LE(14);
  const localCompressed = buf.readUInt32LE(18);
  const localSize = buf.readUInt32LE(22);
  if (cd.generalPurposeBitFlag & FLAG_DATA_DESCRIPTOR) {
    if (localCrc !== 0 || localCompressed !== 0 || localSize !== 0) problems.push('local header has a CRC or sizes although they belong in the data descriptor');
  } else if (!zip64) {
    compare('CRC-32', localCrc, cd.crc32);
    compare('compressed size', localCompressed, cd.compressedSize);
    compare('size', localSize, cd.uncompressedSize);
  }
  const nameLength = buf.readUInt16LE(26);
  const extraLength = buf.readUInt16LE(28);
  compare('name length', nameLength, cd.fileNameRaw.length);
  const localName = buf.subarray(LOCAL_HEADER_FIXED_BYTES, LOCAL_HEADER_FIXED_BYTES + nameLength);
  if (nameLength === cd.fileNameRaw.length && !localName.equals(cd.fileNameRaw)) problems.push('local header name differs from the central directory');
  const localExtra = buf.subarray(LOCAL_HEADER_FIXED_BYTES + nameLength, LOCAL_HEADER_FIXED_BYTES + nameLength + extraLength);
  if (zip64) {
    // archiver adds the zip64 field to the central record only, once the size is known
    if (extraLength !== 0 && !localExtra.equals(cd.extraFieldRaw)) problems.push('local extra field differs from the central directory');
  } else {
    compare('extra field length', extraLength, cd.extraFieldRaw.length);
    if (extraLength === cd.extraFieldRaw.length && !localExtra.equals(cd.extraFieldRaw)) problems.push('local extra field differs from the central directory');
  }
  return { problems, dataStart: cd.relativeOffsetOfLocalHeader + LOCAL_HEADER_FIXED_BYTES + nameLength + extraLength };
}

/** Bytes of the data descriptor that follows the entry's data (0 when the entry has none). */
export function dataDescriptorLength(cd: CentralRecord): number {
  if (!(cd.generalPurposeBitFlag & FLAG_DATA_DESCRIPTOR)) return 0;
  return usesZip64Sizes(cd) ? 24 : 16;
}

/** Checks the data descriptor (read right after the data) against the central directory. */
export function checkDataDescriptor(buf: Buffer, cd: CentralRecord): string[] {
  const length = dataDescriptorLength(cd);
  if (length === 0) return [];
  if (buf.length < length) return ['data descriptor is cut off by the end of the archive'];
  const problems: string[] = [];
  if (buf.readUInt32LE(0) !== DATA_DESCRIPTOR_SIGNATURE) problems.push('data descriptor signature is wrong');
  const crc = buf.readUInt32LE(4);
  const wide = length === 24;
  const compressed = wide ? Number(buf.readBigUInt64LE(8)) : buf.readUInt32LE(8);
  const size = wide ? Number(buf.readBigUInt64LE(16)) : buf.readUInt32LE(12);
  if (crc !== cd.crc32) problems.push(`data descriptor CRC-32 is ${crc}, central directory says ${cd.crc32}`);
  if (compressed !== cd.compressedSize) problems.push(`data descriptor compressed size is ${compressed}, central directory says ${cd.compressedSize}`);
  if (size !== cd.uncompressedSize) problems.push(`data descriptor size is ${size}, central directory says ${cd.uncompressedSize}`);
  return problems;
}
