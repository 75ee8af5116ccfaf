/**
 * The configuration part of a snapshot: deploy-cli's yaml dump in a private temporary folder,
 * added file by file to the archive under config/, with object counts per resource type.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configEntryPath } from '../archive/layout.js';
import type { ArchiveWriter } from '../archive/writer.js';
import type { ConfigDumper } from './types.js';

export interface ConfigCapture {
  files: number;
  /** Objects per deploy-cli resource type (arrays: length; non-empty singletons: 1). */
  counts: Record<string, number>;
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/** Counts objects per type in a deploy-cli tenant.yaml document. */
export function countConfigObjects(yamlText: string): Record<string, number> {
  const doc = (parseYaml(yamlText) ?? {}) as Record<string, unknown>;
  const counts: Record<string, number> = {};
  for (const [type, value] of Object.entries(doc)) {
    if (Array.isArray(value)) counts[type] = value.length;
    else if (value && typeof value === 'object') counts[type] = Object.keys(value).length > 0 ? 1 : 0;
  }
  return counts;
}

export async function captureConfig(
  dumper: ConfigDumper,
  writer: ArchiveWriter,
  options: { exportSecrets: boolean; signal: AbortSignal; tmpRoot?: string },
): Promise<ConfigCapture> {
  const folder = await mkdtemp(path.join(options.tmpRoot ?? tmpdir(), 'a0vault-dump-'));
  try {
    await dumper.dump(folder, { exportSecrets: options.exportSecrets, signal: options.signal });
    const files = await listFiles(folder);
    if (!files.includes('tenant.yaml')) throw new Error('deploy-cli wrote no tenant.yaml');
    for (const rel of files) {
      await writer.addEntry(configEntryPath(rel), createReadStream(path.join(folder, rel)), {
        contentType: rel.endsWith('.yaml') ? 'application/yaml' : undefined,
      });
    }
    const counts = countConfigObjects(await readFile(path.join(folder, 'tenant.yaml'), 'utf8'));
    return { files: files.length, counts };
  } finally {
    // the dump may hold secrets (--include-secrets): never leave it behind
    await rm(folder, { recursive: true, force: true });
  }
}
