/**
 * Values for the markers a clone found: literal `keywords`, secrets read through the resolver,
 * `omit`ted ones. Collects every problem (unmapped, unavailable, unreadable) instead of stopping
 * at the first, so prepareClone can report them all at once. Never puts a value in a message.
 */
import { A0vaultError, describeError } from '../core/errors.js';
import { describeSecretSource, type CloneMappings } from './mappings.js';
import type { SecretResolver } from './prepare.js';
import type { Step } from './doc-walk.js';

/** One place a marker is used. */
export interface Use {
  keyword: string;
  where: string;
  whole: boolean;
  form: 'array' | 'string';
  steps?: Step[];
}

export interface Resolved {
  values: Map<string, string | string[]>;
  omitted: Set<string>;
  unmapped: { keyword: string; where: string[] }[];
  problems: string[];
}

export async function resolveKeywords(
  required: ReadonlyMap<string, Use[]>,
  inCode: ReadonlyMap<string, string[]>,
  mappings: CloneMappings,
  resolveSecret: SecretResolver,
  warnings: string[],
): Promise<Resolved> {
  const values = new Map<string, string | string[]>();
  const omitted = new Set<string>();
  const unmapped: Resolved['unmapped'] = [];
  const problems: string[] = [];
  const wanted = [...required.keys(), ...[...inCode.keys()].filter((k) => !required.has(k))].sort();
  for (const keyword of wanted) {
    const literal = mappings.keywords[keyword];
    const secret = mappings.secrets[keyword];
    if (literal !== undefined) values.set(keyword, literal);
    else if (secret?.kind === 'omit') omitted.add(keyword);
    else if (secret) {
      try {
        const value = await resolveSecret(keyword, secret);
        if (value === undefined) problems.push(`${keyword}: ${describeSecretSource(secret)} is not available`);
        else values.set(keyword, value);
      } catch (err) {
        if (err instanceof A0vaultError && err.code === 'cancelled') throw err;
        problems.push(`${keyword}: reading ${describeSecretSource(secret)} failed (${describeError(err)})`);
      }
    } else if (required.has(keyword)) {
      const where = [...new Set((required.get(keyword) ?? []).map((u) => u.where))];
      unmapped.push({ keyword, where });
    } else {
      warnings.push(`${(inCode.get(keyword) ?? []).join(', ')}: ##${keyword}## has no mapping; deploy-cli leaves it as is in code`);
    }
  }
  if (unmapped.length > 0) {
    const list = unmapped.map((u) => `${u.keyword} (${u.where.slice(0, 3).join(', ')}${u.where.length > 3 ? ', …' : ''})`).join(', ');
    problems.unshift(`${unmapped.length} placeholder(s) have no mapping under secrets or keywords: ${list}`);
  }
  for (const key of [...Object.keys(mappings.keywords), ...Object.keys(mappings.secrets)]) {
    if (!required.has(key) && !inCode.has(key)) warnings.push(`${key} is mapped but no placeholder uses it`);
  }
  return { values, omitted, unmapped, problems };
}

