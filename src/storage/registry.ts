/**
 * Locations to backends: a registry maps a URL scheme to a factory.
 *
 *   /abs/path, rel/path, file:///abs/path   local filesystem (the default)
 *   gs://bucket[/prefix]                    Google Cloud Storage (Application Default Credentials)
 *   mem://name                              in-memory store shared within the process (tests)
 *
 * Contract: `open` never contacts the storage (it only builds the backend) and never reads the
 * environment; everything comes in through StorageOpenOptions. A location that cannot be opened
 * fails with a StorageError (operation 'open') that shows the location redacted.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../core/abort.js';
import { StorageError, type StorageBackend } from './backend.js';
import { GcsBackend } from './gcs.js';
import { LocalBackend } from './local.js';
import { MemoryBackend, memoryStore } from './memory.js';
import { redactLocation } from './redact.js';

export interface StorageOpenOptions {
  /** GCS API endpoint override (CLI: --gcs-endpoint / A0VAULT_GCS_ENDPOINT). */
  gcsEndpoint?: string;
  /** Send credentials to gcsEndpoint; default yes for https, no for http. */
  gcsEndpointAuth?: boolean;
  /** Google Cloud project; only needed where the API asks for one. */
  projectId?: string;
  /** GCS resumable chunk size in bytes (multiple of 256 KiB). */
  gcsChunkSize?: number;
  /** Largest GCS object sent in a single request. */
  gcsSimpleUploadMaxBytes?: number;
  /** Directory that relative paths are resolved against (the CLI passes process.cwd()). */
  cwd?: string;
  clock?: Clock;
}

/** A location split into its scheme (`file` for plain paths) and the text as given. */
export interface ParsedLocation {
  scheme: string;
  raw: string;
}

export type StorageFactory = (location: ParsedLocation, options: StorageOpenOptions) => StorageBackend;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

export function parseLocation(location: string): ParsedLocation {
  const match = SCHEME.exec(location);
  return { scheme: match?.[1]?.toLowerCase() ?? 'file', raw: location };
}

export class StorageRegistry {
  private readonly factories = new Map<string, StorageFactory>();

  register(scheme: string, factory: StorageFactory): this {
    this.factories.set(scheme.toLowerCase(), factory);
    return this;
  }

  schemes(): string[] {
    return [...this.factories.keys()].sort();
  }

  open(location: string, options: StorageOpenOptions = {}): StorageBackend {
    const parsed = parseLocation(location);
    const factory = this.factories.get(parsed.scheme);
    if (!factory) {
      throw openError(location, `unsupported scheme ${parsed.scheme}:// (supported: ${this.schemes().join(', ')})`);
    }
    try {
      return factory(parsed, options);
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw openError(location, (err as Error).message, err);
    }
  }
}

function openError(location: string, message: string, cause?: unknown): StorageError {
  return new StorageError(message, { operation: 'open', location: redactLocation(location), cause });
}

export const openLocal: StorageFactory = ({ raw }, options) => {
  let root: string;
  if (SCHEME.test(raw)) {
    const url = new URL(raw);
    if (url.search || url.hash) throw openError(raw, 'a file:// location takes no query or fragment');
    root = fileURLToPath(url);
  } else {
    if (raw.trim() === '') throw openError(raw, 'empty path');
    root = path.resolve(options.cwd ?? path.resolve('.'), raw);
  }
  return new LocalBackend({ root, location: root, clock: options.clock });
};

export const openMemory: StorageFactory = ({ raw }) => {
  const name = raw.slice('mem://'.length).replace(/\/+$/, '');
  return new MemoryBackend({ store: memoryStore(name), location: `mem://${name}` });
};

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export const openGcs: StorageFactory = ({ raw }, options) => {
  // Parsed by hand: URL() would silently resolve "a/../b" to "b".
  const rest = raw.slice(raw.indexOf('://') + 3);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const pathPart = slash < 0 ? '' : rest.slice(slash + 1);
  if (authority.includes('@')) {
    throw openError(raw, 'credentials do not belong in a location; use Application Default Credentials');
  }
  if (/[?#]/.test(rest) || authority.includes(':')) throw openError(raw, 'a gs:// location takes no port, query or fragment');
  const bucket = authority;
  if (!BUCKET_NAME.test(bucket)) throw openError(raw, `invalid bucket name ${JSON.stringify(bucket)}`);
  let segments: string[];
  try {
    segments = decodeURIComponent(pathPart).split('/').filter((s) => s !== '');
  } catch {
    throw openError(raw, 'the prefix is not valid percent-encoding');
  }
  if (segments.some((s) => s === '.' || s === '..')) throw openError(raw, 'the prefix may not contain . or .. segments');
  const prefix = segments.length ? `${segments.join('/')}/` : '';
  return new GcsBackend({
    bucket,
    prefix,
    location: `gs://${bucket}/${prefix}`,
    projectId: options.projectId,
    endpoint: options.gcsEndpoint,
    endpointAuth: options.gcsEndpointAuth,
    chunkSize: options.gcsChunkSize,
    simpleUploadMaxBytes: options.gcsSimpleUploadMaxBytes,
    clock: options.clock,
  });
};

/** A registry with the built-in schemes: file (and plain paths), gs, mem. */
export function createDefaultRegistry(): StorageRegistry {
  return new StorageRegistry().register('file', openLocal).register('gs', openGcs).register('mem', openMemory);
}

const defaultRegistry = createDefaultRegistry();

/** Opens a location with the built-in schemes. */
export function openStorage(location: string, options: StorageOpenOptions = {}): StorageBackend {
  return defaultRegistry.open(location, options);
}
