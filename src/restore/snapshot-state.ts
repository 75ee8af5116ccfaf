/**
 * Reads what restore, plan and diff need out of a stored snapshot: its configuration document
 * (tenant.yaml parsed, referenced files inlined so code compares by content), its id map, and
 * lazily-opened record streams (users, role members, organization members). Nothing is held
 * whole except the configuration, which is small.
 *
 * An encrypted snapshot (manifest `encryption`) is decrypted entry by entry as it is read;
 * without `options.identities` it is refused with a usage error asking for --identity, before
 * any archive byte is read. A wrong identity or a changed ciphertext is an IntegrityError.
 */
import { parse as parseYaml } from 'yaml';
import { identityRequiredError, type AgeIdentities } from '../archive/encryption.js';
import { ArchiveReader } from '../archive/reader.js';
import { CONFIG_DIR, ENTRY, configRelativePath } from '../archive/layout.js';
import { readManifest, type Manifest } from '../archive/manifest.js';
import { readNdjson } from '../archive/ndjson.js';
import type { StorageBackend } from '../storage/backend.js';
import type { IdMap } from '../snapshot/types.js';
import { inlineFiles } from './config-diff.js';
import type { SnapshotState } from './plan.js';

const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

export interface LoadedSnapshot extends SnapshotState {
  manifest: Manifest;
  idMap: IdMap;
  /** The raw config files as dumped: path relative to the config dir → text ('tenant.yaml' is the main document). */
  configFiles: ReadonlyMap<string, string>;
  /** Fresh iteration over the snapshot's users (exported NDJSON records) each call. */
  users(): AsyncIterable<unknown>;
  roleMembers(): AsyncIterable<unknown>;
  organizationMembers(): AsyncIterable<unknown>;
  close(): void;
}

export interface LoadSnapshotOptions {
  /** age identities for an encrypted snapshot (CLI: --identity / A0VAULT_IDENTITY_FILE). */
  identities?: AgeIdentities;
}

/** The configuration document of a set of config files: tenant.yaml parsed, the other files inlined. */
export function configDocOf(files: ReadonlyMap<string, string>): Record<string, unknown> {
  const main = configRelativePath(ENTRY.tenantConfig) ?? 'tenant.yaml';
  const others = new Map([...files].filter(([k]) => k !== main));
  return inlineFiles((parseYaml(files.get(main) ?? '') ?? {}) as Record<string, unknown>, others);
}

export async function loadSnapshot(storage: StorageBackend, manifestKey: string, signal: AbortSignal, options: LoadSnapshotOptions = {}): Promise<LoadedSnapshot> {
  const manifest = await readManifest(storage, manifestKey, { signal });
  const encrypted = manifest.encryption !== undefined;
  if (encrypted && !options.identities) throw identityRequiredError(`snapshot ${manifest.snapshotId}`);
  const reader = await ArchiveReader.open({ storage, key: manifest.archive.key, signal, size: manifest.archive.size, encrypted, identities: options.identities });
  const configFiles = new Map<string, string>();
  for (const entry of reader.list()) {
    if (!entry.path.startsWith(CONFIG_DIR)) continue;
    const rel = configRelativePath(entry.path);
    if (rel === undefined) continue;
    const text = (await reader.readContent(entry.path, { maxBytes: MAX_CONFIG_FILE_BYTES, signal })).toString('utf8');
    configFiles.set(rel, text);
  }
  const config = configDocOf(configFiles);
  const idMap = JSON.parse((await reader.readContent(ENTRY.idMap, { maxBytes: MAX_CONFIG_FILE_BYTES, signal })).toString('utf8')) as IdMap;
  const records = (path: string) => ({
    async *[Symbol.asyncIterator]() {
      yield* readNdjson(await reader.openContent(path, { signal }), { signal, name: path });
    },
  });
  return {
    id: manifest.snapshotId,
    tenant: manifest.tenant.domain,
    config,
    manifest,
    idMap,
    configFiles,
    users: () => records(ENTRY.users),
    roleMembers: () => records(ENTRY.roleMembers),
    organizationMembers: () => records(ENTRY.organizationMembers),
    close: () => reader.close(),
  };
}
