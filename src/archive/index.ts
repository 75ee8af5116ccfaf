/** The archive format: keys and entry paths, manifest, writer, reader, verify, hashing, NDJSON. */
export * from './layout.js';
export * from './hashing.js';
export * from './ndjson.js';
export * from './manifest.js';
export { manifestSchema, manifestSchemaText } from './manifest-schema.js';
export * from './writer.js';
export { ArchiveReader, ARCHIVE_SUBJECT, type ArchiveEntryInfo, type OpenArchiveOptions } from './reader.js';
export * from './verify.js';
