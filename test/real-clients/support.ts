/**
 * Support for the real-client round trips: locating ../shared/real-tenants, preparing a
 * fixture for deployment into a fresh tenant (identifiers stripped, as a cross-tenant restore
 * must — ../shared/research/deploy-cli-sdk.md D4), keyword replacement as deploy-cli does it,
 * and the "source ⊆ dump" comparison with the transformations deploy-cli is known to apply.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { repoRoot } from '../emulator/tls.js';

export const sharedDir = path.resolve(repoRoot, '../shared');
export const realTenantsDir = path.join(sharedDir, 'real-tenants');

/** The fixture names (directories holding a tenant.yaml); throws clearly when shared/ is missing. */
export function realTenantNames(): string[] {
  if (!existsSync(realTenantsDir)) {
    throw new Error(
      `The real-tenant fixtures are missing: expected ${realTenantsDir} (the "shared" folder beside the repository clone).`,
    );
  }
  return readdirSync(realTenantsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(realTenantsDir, d.name, 'tenant.yaml')))
    .map((d) => d.name)
    .sort();
}

export type Mappings = Record<string, unknown>;

/** The fixture's keyword mappings, with the Management API audience pointed at the emulator. */
export async function fixtureMappings(name: string, domain: string): Promise<Mappings> {
  const file = path.join(realTenantsDir, name, 'keyword-mappings.json');
  const mappings = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Mappings) : {};
  // a grant to "the Management API" must name this tenant's API, or Auth0 (and the emulator) answer 404
  if ('AUTH0_MANAGEMENT_API_AUDIENCE' in mappings) mappings.AUTH0_MANAGEMENT_API_AUDIENCE = `https://${domain}/api/v2/`;
  return mappings;
}

const ID_FIELDS: Record<string, string> = { clients: 'client_id', customDomains: 'custom_domain_id', themes: 'themeId' };

/**
 * Copies the fixture to a temp directory; when its tenant.yaml carries exported identifiers
 * they are removed (the file is then re-serialised; only done for files whose markers are
 * quoted, so YAML parsing before keyword replacement loses nothing). Returns the input file.
 */
export async function prepareFixture(name: string): Promise<{ dir: string; inputFile: string; strippedIds: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), `a0vault-rt-${name}-`));
  await cp(path.join(realTenantsDir, name), dir, { recursive: true });
  const inputFile = path.join(dir, 'tenant.yaml');
  const raw = await readFile(inputFile, 'utf8');
  const doc = YAML.parse(raw) as Record<string, unknown>;
  let strippedIds = 0;
  for (const [type, value] of Object.entries(doc)) {
    if (!Array.isArray(value)) continue;
    const field = ID_FIELDS[type] ?? 'id';
    for (const item of value as Record<string, unknown>[]) {
      if (item && typeof item === 'object' && field in item) {
        delete item[field];
        strippedIds++;
      }
    }
  }
  if (strippedIds > 0) {
    if (/:\s+##[A-Z0-9_]+##/.test(raw) || /-\s+##[A-Z0-9_]+##/.test(raw)) {
      throw new Error(`${name}: cannot strip identifiers from a file with unquoted keyword markers`);
    }
    await writeFile(inputFile, YAML.stringify(doc));
  }
  return { dir, inputFile, strippedIds };
}

/** deploy-cli's replacement on raw text: `@@KEY@@` → JSON value (quotes included), `##KEY##` → value. */
export function keywordReplace(text: string, mappings: Mappings): string {
  let out = text;
  for (const [key, value] of Object.entries(mappings)) {
    out = out.replace(new RegExp(`["']?@@${key}@@["']?`, 'g'), JSON.stringify(value));
    out = out.replaceAll(`##${key}##`, String(value));
  }
  return out;
}

/** The fixture as deploy-cli sees it after keyword replacement (identifiers removed like prepareFixture). */
export async function expectedConfig(name: string, mappings: Mappings): Promise<Record<string, unknown>> {
  const raw = await readFile(path.join(realTenantsDir, name, 'tenant.yaml'), 'utf8');
  const doc = YAML.parse(keywordReplace(raw, mappings)) as Record<string, unknown>;
  delete doc.migrations;
  for (const [type, value] of Object.entries(doc)) {
    if (!Array.isArray(value)) continue;
    const field = ID_FIELDS[type] ?? 'id';
    for (const item of value as Record<string, unknown>[]) if (item && typeof item === 'object') delete item[field];
  }
  return doc;
}
