/**
 * Reads what restore, plan and diff need out of a stored snapshot: its configuration document
 * (tenant.yaml parsed, referenced files inlined so code compares by content), its id map, and
 * lazily-opened record streams (users, role members, organization members). Nothing is held
 * whole except the configuration, which is small.
 */
import { parse as parseYaml } from 'yaml';
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

export async function loadSnapshot(storage: StorageBackend, manifestKey: string, signal: AbortSignal): Promise<LoadedSnapshot> {
  const manifest = await readManifest(storage, manifestKey, { signal });
  const reader = await ArchiveReader.open({ storage, key: manifest.archive.key, signal, size: manifest.archive.size });
  const files = new Map<string, string>();
  const configFiles = new Map<string, string>();
  let yamlText = '';
  for (const entry of reader.list()) {
    if (!entry.path.startsWith(CONFIG_DIR)) continue;
    const rel = configRelativePath(entry.path);
    if (rel === undefined) continue;
    const text = (await reader.readEntry(entry.path, { maxBytes: MAX_CONFIG_FILE_BYTES, signal })).toString('utf8');
    configFiles.set(rel, text);
    if (entry.path === ENTRY.tenantConfig) yamlText = text;
    else files.set(rel, text);
  }
  const config = inlineFiles((parseYaml(yamlText) ?? {}) as Record<string, unknown>, files);
  const idMap = JSON.parse((await reader.readEntry(ENTRY.idMap, { maxBytes: MAX_CONFIG_FILE_BYTES, signal })).toString('utf8')) as IdMap;
  const records = (path: string) => ({
    async *[Symbol.asyncIterator]() {
      yield* readNdjson(await reader.openEntry(path, { signal }), { signal, name: path });
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
