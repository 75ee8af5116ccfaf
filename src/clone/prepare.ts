/**
 * prepareClone: adapts a snapshot's configuration folder (deploy-cli yaml dump) for a restore
 * into another tenant.
 *
 * Algorithm:
 * 1. Parse tenant.yaml with its markers protected (unquoted `##KEY##` would read as a comment).
 * 2. Drop exported identifiers (a cross-tenant deploy must not reuse them) and the
 *    `migrations` key older exports carry (deploy-cli 8.44 refuses it), then apply the
 *    exclusions (with their cascades), then name the secrets the dump holds no placeholder
 *    for (`_VALUE_NOT_SHOWN_`, value-less action secrets).
 * 3. Rewrite every string value (not file references) and the text of template files
 *    (.html, .htm, .liquid, .txt, .css). Code and other files are never rewritten; a rule match
 *    in them is a warning. Files only excluded objects referenced are dropped.
 * 4. Collect every marker still present: in tenant.yaml and templates each must be mapped (by
 *    `keywords` or `secrets`); in code an unmapped marker is a warning (deploy-cli leaves it).
 * 5. Read each used secret through the injected resolver. Every problem so far (unmapped,
 *    unreadable, not omittable, unsafe in YAML) is thrown at once as one `config` error.
 * 6. Remove the fields of `omit` secrets, write tenant.yaml back, and return the keyword
 *    mappings deploy-cli needs (AUTH0_KEYWORD_REPLACE_MAPPINGS).
 *
 * Contract: no I/O except `resolveSecret`; the input map is not modified. Secret values only
 * ever appear in `keywordMappings`: never in files, the report, warnings or error messages.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { A0vaultError } from '../core/errors.js';
import { isPlainObject, redactSecrets } from '../restore/config-diff.js';
import { deriveSecretPlaceholders, type DerivedPlaceholder } from './derived.js';
import { mapStrings, removeAt, setAt, stringLeaves, type Doc, type Step } from './doc-walk.js';
import { applyExclusions, type Excluded } from './exclude.js';
import type { CloneMappings, SecretSource } from './mappings.js';
import { isYamlInlineSafe, markersIn, markersInText, protectMarkers, restoreMarkers } from './markers.js';
import { resolveKeywords, type Use } from './resolve-keywords.js';
import { compileRewrites, type RewriteHit } from './rewrite.js';

export const MAIN_FILE = 'tenant.yaml';
const TEMPLATE_FILE = /\.(html?|liquid|txt|css)$/i;
const ID_FIELDS: Record<string, string> = { clients: 'client_id', customDomains: 'custom_domain_id', themes: 'themeId' };

/** Reads one secret; undefined when it is not available (unset variable, missing file). */
export type SecretResolver = (keyword: string, source: Exclude<SecretSource, { kind: 'omit' }>) => string | undefined | Promise<string | undefined>;

export interface RewriteRecord {
  path: string;
  from: string;
  to: string;
  rule: string;
}

export interface CloneReport {
  rewrites: RewriteRecord[];
  /** Secret keywords whose values go to deploy-cli (names only). */
  injected: string[];
  /** Non-secret keywords given a value from `keywords`. */
  keywords: string[];
  /** Secret keywords mapped to `omit`: their fields were removed. */
  omitted: string[];
  excluded: Excluded[];
  /** Placeholders a0vault named for secrets deploy-cli wrote without one. */
  derived: DerivedPlaceholder[];
  /** Referenced files dropped because only excluded objects used them. */
  droppedFiles: string[];
  identifiersRemoved: number;
  warnings: string[];
}

export interface PrepareCloneResult {
  files: Map<string, string>;
  /** For deploy-cli's AUTH0_KEYWORD_REPLACE_MAPPINGS. Holds secret values: never log it. */
  keywordMappings: Record<string, string | string[]>;
  report: CloneReport;
}


function configError(message: string, details: Record<string, unknown>, cause?: unknown): A0vaultError {
  return new A0vaultError('config', message, { details, ...(cause === undefined ? {} : { cause }) });
}

function parseTenantYaml(text: string): Doc {
  const protectedText = protectMarkers(text);
  if (protectedText === undefined) throw configError(`${MAIN_FILE} contains the reserved text __A0VAULT_`, { file: MAIN_FILE });
  let parsed: unknown;
  try {
    parsed = parseYaml(protectedText);
  } catch (err) {
    throw configError(`${MAIN_FILE} is not valid YAML`, { file: MAIN_FILE }, err);
  }
  if (parsed !== null && parsed !== undefined && !isPlainObject(parsed)) throw configError(`${MAIN_FILE} is not a YAML mapping`, { file: MAIN_FILE });
  return mapStrings((parsed ?? {}) as Doc, (leaf) => restoreMarkers(leaf.value));
}

function stripIdentifiers(doc: Doc): number {
  let removed = 0;
  for (const [type, list] of Object.entries(doc)) {
    if (!Array.isArray(list)) continue;
    const field = ID_FIELDS[type] ?? 'id';
    for (const item of list) {
      if (isPlainObject(item) && field in item) {
        delete item[field];
        removed++;
      }
    }
  }
  return removed;
}

const fileRef = (value: string, files: ReadonlyMap<string, string>): string | undefined => {
  const rel = value.replace(/^\.\//, '');
  return rel !== MAIN_FILE && files.has(rel) ? rel : undefined;
};

function referencedFiles(doc: Doc, files: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const leaf of stringLeaves(doc)) {
    const rel = fileRef(leaf.value, files);
    if (rel) out.add(rel);
  }
  return out;
}

const ruleNames = (hits: RewriteHit[]): string => [...new Set(hits.map((h) => h.rule))].join('; ');
const redact = (value: string, key: string): string => redactSecrets(value, key) as string;

/**
 * Adapts `files` (paths relative to the snapshot's config folder -> text; `tenant.yaml` is the
 * main document) for a clone. Throws A0vaultError('config') listing every unmapped or
 * unreadable secret placeholder at once.
 */
export async function prepareClone(files: ReadonlyMap<string, string>, mappings: CloneMappings, resolveSecret: SecretResolver): Promise<PrepareCloneResult> {
  const main = files.get(MAIN_FILE);
  if (main === undefined) throw configError(`the snapshot's configuration has no ${MAIN_FILE}`, { file: MAIN_FILE });
  const warnings: string[] = [];
  const source = parseTenantYaml(main);
  if ('migrations' in source) {
    // older exports carry it; deploy-cli 8.44's schema refuses the whole file with it
    delete source.migrations;
    warnings.push('migrations (from an older deploy-cli export) dropped: deploy-cli 8.44 refuses it');
  }
  const identifiersRemoved = stripIdentifiers(source);
  const exclusion = applyExclusions(source, mappings.exclude);
  for (const rule of exclusion.unmatched) warnings.push(`exclude ${rule.type} ${JSON.stringify(rule.name)}: no such object in the snapshot`);
  const { doc: withDerived, derived } = deriveSecretPlaceholders(exclusion.doc);

  const rewriter = compileRewrites(mappings.rewrites);
  const rewrites: RewriteRecord[] = [];
  const doc = mapStrings(withDerived, (leaf) => {
    if (fileRef(leaf.value, files)) return leaf.value;
    const r = rewriter.value(leaf.value);
    if (r.hits.length === 0) return leaf.value;
    rewrites.push({ path: leaf.path, from: redact(leaf.value, leaf.key), to: redact(r.value, leaf.key), rule: ruleNames(r.hits) });
    return r.value;
  });

  const required = new Map<string, Use[]>();
  const inCode = new Map<string, string[]>();
  const add = (use: Use) => required.set(use.keyword, [...(required.get(use.keyword) ?? []), use]);
  for (const leaf of stringLeaves(doc)) {
    for (const m of markersIn(leaf.value)) add({ keyword: m.keyword, where: leaf.path, whole: m.whole, form: m.form, steps: leaf.steps });
  }

  const refsBefore = referencedFiles(source, files);
  const refsAfter = referencedFiles(doc, files);
  const out = new Map<string, string>();
  const droppedFiles: string[] = [];
  for (const [rel, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (rel === MAIN_FILE) continue;
    if (refsBefore.has(rel) && !refsAfter.has(rel)) {
      droppedFiles.push(rel);
      continue;
    }
    const r = rewriter.text(text);
    if (TEMPLATE_FILE.test(rel)) {
      const seen = new Set<string>();
      for (const hit of r.hits) {
        const id = `${hit.from}\u0000${hit.to}`;
        if (!seen.has(id)) rewrites.push({ path: `file:${rel}`, from: hit.from, to: hit.to, rule: hit.rule });
        seen.add(id);
      }
      out.set(rel, r.text);
      for (const keyword of markersInText(r.text)) add({ keyword, where: `file:${rel}`, whole: false, form: 'string' });
    } else {
      out.set(rel, text);
      const found = [...new Set(r.hits.map((h) => h.from))];
      if (found.length > 0) warnings.push(`file:${rel} contains ${found.join(', ')}: code and other non-template files are never rewritten`);
      for (const keyword of markersInText(text)) inCode.set(keyword, [...(inCode.get(keyword) ?? []), `file:${rel}`]);
    }
  }

  const resolved = await resolveKeywords(required, inCode, mappings, resolveSecret, warnings);
  const problems = [...resolved.problems];
  const removals: Step[][] = [];
  for (const [keyword, uses] of required) {
    const value = resolved.values.get(keyword);
    for (const use of uses) {
      if (resolved.omitted.has(keyword)) {
        if (use.whole && use.steps) removals.push(use.steps);
        else problems.push(`${keyword} (${use.where}) is mapped to omit but is part of a longer text`);
      } else if (value !== undefined && use.form === 'string' && use.steps) {
        if (Array.isArray(value)) problems.push(`${keyword} (${use.where}) has a list value but a ##${keyword}## marker (lists need @@${keyword}@@)`);
        else if (!isYamlInlineSafe(value)) {
          if (use.whole) setAt(doc, use.steps, `@@${keyword}@@`);
          else problems.push(`${keyword} (${use.where}): its value holds a quote, backslash, line break, '#' or ': ', which cannot be injected inside a longer YAML value`);
        }
      }
    }
  }
  if (problems.length > 0) {
    throw configError(`the clone mapping does not resolve every placeholder: ${problems.join('; ')}`, { problems, unmapped: resolved.unmapped });
  }
  for (const steps of removals.sort(compareSteps).reverse()) removeAt(doc, steps);
  for (const [keyword, objects] of secretSharing(required, mappings)) {
    warnings.push(`${keyword} is used by ${objects.join(', ')}: they all receive the same value`);
  }

  out.set(MAIN_FILE, stringifyYaml(doc, { singleQuote: true, lineWidth: 0 }));
  const keywordMappings: Record<string, string | string[]> = {};
  for (const [keyword, value] of [...resolved.values].sort(([a], [b]) => (a < b ? -1 : 1))) keywordMappings[keyword] = value;
  const sorted = (s: Iterable<string>) => [...s].sort();
  return {
    files: out,
    keywordMappings,
    report: {
      rewrites,
      injected: sorted([...resolved.values.keys()].filter((k) => k in mappings.secrets)),
      keywords: sorted([...resolved.values.keys()].filter((k) => k in mappings.keywords)),
      omitted: sorted(resolved.omitted),
      excluded: exclusion.excluded,
      derived,
      droppedFiles,
      identifiersRemoved,
      warnings,
    },
  };
}

/** Document order of two leaf paths (so removals can run from the last to the first). */
function compareSteps(a: readonly Step[], b: readonly Step[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as Step;
    const y = b[i] as Step;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/** Secret keywords used by more than one top-level object (deploy-cli names them by type, not object). */
function secretSharing(required: ReadonlyMap<string, Use[]>, mappings: CloneMappings): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const [keyword, uses] of required) {
    if (!(keyword in mappings.secrets)) continue;
    const objects = [...new Set(uses.map((u) => u.where.replace(/^([^.[]+(\[[^\]]*\])?).*$/, '$1')))];
    if (objects.length > 1) out.push([keyword, objects]);
  }
  return out;
}
