/** The storage layer: the backend contract, the built-in backends, decorators and the registry. */
export * from './backend.js';
export { RESERVED_PREFIX, SHA256_METADATA_KEY, checkKey, compareKeys } from './keys.js';
export { LocalBackend, type LocalBackendOptions } from './local.js';
export { MemoryBackend, MemoryStore, clearMemoryStores, memoryStore, type MemoryBackendOptions } from './memory.js';
export { GcsBackend, createGcsClient, type GcsBackendOptions } from './gcs.js';
export {
  DEFAULT_RETRY_POLICY,
  PUT_ID_METADATA_KEY,
  RetryingBackend,
  retryDelayMs,
  type RetryPolicy,
  type RetryingBackendOptions,
} from './retrying.js';
export { DRY_RUN_VERSION, DryRunBackend, type DryRunWrite } from './dry-run.js';
export {
  StorageRegistry,
  createDefaultRegistry,
  openStorage,
  parseLocation,
  type ParsedLocation,
  type StorageFactory,
  type StorageOpenOptions,
} from './registry.js';
export { redactLocation, redactText } from './redact.js';
