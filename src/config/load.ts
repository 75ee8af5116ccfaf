/**
 * Loading `a0vault.config.yaml`: YAML parsing, JSON Schema validation (./schema.ts), and the
 * checks a schema cannot express. Never throws for a bad file: `load()` returns
 * `{ config, warnings, errors }`, each problem naming its JSON Pointer path, e.g.
 * `/tenants/0/domian: unknown key "domian" (did you mean "domain"?)`. `config` is set only
 * when there are no errors. It reads the file (and checks that mapping files exist) but never
 * reads the environment: the CLI passes the path it chose.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseDocument } from 'yaml';
import { configSchema } from './schema.js';
import type { A0vaultConfig, ValueSource } from './types.js';

export const DEFAULT_CONFIG_FILE = 'a0vault.config.yaml';

export interface LoadResult {
  /** The validated configuration; undefined when there are errors (or no file, see load()). */
  config: A0vaultConfig | undefined;
  /** The file read, absolute; undefined when no file was found and none was asked for. */
  path?: string;
  warnings: string[];
  errors: string[];
}

let validator: ValidateFunction | undefined;

function validate(value: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    validator = ajv.compile(configSchema);
  }
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(key: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? ` (did you mean "${best.k}"?)` : '';
}

/** One readable line per schema error, deduplicated, in document order where possible. */
function formatErrors(errors: ErrorObject[]): string[] {
  const out: string[] = [];
  for (const e of errors) {
    let line: string;
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
      line = `${e.instancePath}/${key}: unknown key "${key}"${suggestion(key, Object.keys(props))}`;
    } else if (e.keyword === 'propertyNames' || (e as { propertyName?: string }).propertyName !== undefined) {
      const name = (e as { propertyName?: string }).propertyName ?? String((e.params as { propertyName?: string }).propertyName);
      line = `${e.instancePath}/${name}: invalid name "${name}"`;
    } else if (e.keyword === 'pattern' && e.schema === '^unlimited$') {
      line = `${e.instancePath}: must be a non-negative integer or "unlimited"`;
    } else if (e.keyword === 'maxProperties' || e.keyword === 'minProperties') {
      line = `${e.instancePath || '/'}: give exactly one of env, file or value`;
    } else if (e.keyword === 'type' && Array.isArray((e.params as { type?: unknown }).type)) {
      line = `${e.instancePath || '/'}: must be ${((e.params as { type: string[] }).type).join(' or ')}`;
    } else {
      line = `${e.instancePath || '/'}: ${e.message ?? 'is invalid'}`;
    }
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

function isInline(s: ValueSource | undefined): boolean {
  return typeof s === 'string' || (typeof s === 'object' && 'value' in s);
}

/** Checks the schema cannot express: duplicates, references between sections, inline secrets, mapping files. */
function semanticChecks(config: A0vaultConfig, baseDir: string, exists: (p: string) => boolean, out: { warnings: string[]; errors: string[] }): void {
  const seen = new Map<string, number>();
  (config.tenants ?? []).forEach((t, i) => {
    const d = t.domain.toLowerCase();
    const first = seen.get(d);
    if (first !== undefined) out.errors.push(`/tenants/${i}/domain: tenant "${t.domain}" is also /tenants/${first}`);
    else seen.set(d, i);
    for (const field of ['clientSecret', 'accessToken'] as const) {
      if (isInline(t[field])) out.warnings.push(`/tenants/${i}/${field}: secret written inline in the config file; use { env: NAME } or { file: path }`);
    }
    if (t.clientSecret !== undefined && t.accessToken !== undefined) out.errors.push(`/tenants/${i}: give clientSecret or accessToken, not both`);
    if (t.clientSecret !== undefined && t.clientId === undefined) out.errors.push(`/tenants/${i}/clientId: required with clientSecret`);
  });
  for (const name of Object.keys(config.retention?.locations ?? {})) {
    if (!(name in (config.locations ?? {}))) out.errors.push(`/retention/locations/${name}: no location named "${name}" in /locations`);
  }
  for (const [target, file] of Object.entries(config.mappings ?? {})) {
    if (!exists(path.resolve(baseDir, file))) out.warnings.push(`/mappings/${target}: mapping file ${file} does not exist (yet)`);
  }
}

/**
 * Parses and validates the text of a config file. `source` names it in messages; relative
 * paths inside it are relative to `baseDir`.
 */
export function parseConfig(text: string, options: { source: string; baseDir: string; exists?: (p: string) => boolean }): LoadResult {
  const result: LoadResult = { config: undefined, warnings: [], errors: [] };
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  for (const e of doc.errors) {
    const pos = e.linePos?.[0];
    result.errors.push(`${options.source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0] ?? e.message}`);
  }
  if (result.errors.length > 0) return result;
  const value: unknown = doc.toJS() ?? {};
  result.errors.push(...formatErrors(validate(value)));
  if (result.errors.length > 0) return result;
  const config = value as A0vaultConfig;
  semanticChecks(config, options.baseDir, options.exists ?? existsSync, result);
  if (result.errors.length === 0) result.config = config;
  return result;
}

/**
 * Loads the config file at `file` (an explicit request: a missing file is an error), or else
 * `a0vault.config.yaml` in `cwd` if it exists (no file: `{ config: undefined }`, no error).
 */
export function load(options: { file?: string; cwd: string }): LoadResult {
  const explicit = options.file !== undefined && options.file !== '';
  const file = path.resolve(options.cwd, explicit ? (options.file ?? '') : DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return { config: undefined, warnings: [], errors: [] };
    return { config: undefined, path: file, warnings: [], errors: [`${file}: cannot read the config file (${code ?? String(err)})`] };
  }
  return { ...parseConfig(text, { source: file, baseDir: path.dirname(file) }), path: file };
}
