/**
 * Secrets a deploy-cli dump holds no placeholder for, given one so a mapping file can supply
 * them like any other:
 * - a `_VALUE_NOT_SHOWN_` value (hook secrets; any other obfuscated field) becomes
 *   `##<TYPE>_<OBJECT>_<FIELD>##` (e.g. `##HOOKS_MY_HOOK_API_TOKEN##`);
 * - an action secret written without a value becomes `##ACTIONS_<ACTION>_<SECRET>##`.
 * Names follow deploy-cli's sanitising (non-alphanumerics to `_`, upper case).
 *
 * Contract: works in place on a document the caller owns; returns what it named, each with
 * its readable path.
 */
import { isPlainObject, objectKey } from '../restore/config-diff.js';
import { describePath, mapStrings, type Doc, type Step } from './doc-walk.js';
import { keywordOf, NOT_SHOWN } from './markers.js';

export interface DerivedPlaceholder {
  keyword: string;
  path: string;
}

function objectName(doc: Doc, steps: readonly Step[]): string {
  const [type, index] = steps;
  if (typeof type !== 'string') return '';
  const list = doc[type];
  const item = Array.isArray(list) && typeof index === 'number' ? list[index] : undefined;
  if (!isPlainObject(item)) return typeof index === 'string' ? index : String(index ?? '');
  return (typeof item.name === 'string' ? item.name : objectKey(type, item)) ?? String(index);
}

/** Names placeholders for obfuscated values and value-less action secrets; mutates `doc`. */
export function deriveSecretPlaceholders(doc: Doc): { doc: Doc; derived: DerivedPlaceholder[] } {
  const derived: DerivedPlaceholder[] = [];
  const out = mapStrings(doc, (leaf) => {
    if (leaf.value !== NOT_SHOWN) return leaf.value;
    const [type] = leaf.steps;
    const keyword = keywordOf(String(type), objectName(doc, leaf.steps), leaf.key);
    derived.push({ keyword, path: leaf.path });
    return `##${keyword}##`;
  });
  const actions = out.actions;
  if (Array.isArray(actions)) {
    actions.forEach((action, i) => {
      if (!isPlainObject(action) || !Array.isArray(action.secrets)) return;
      action.secrets.forEach((secret, j) => {
        if (!isPlainObject(secret) || typeof secret.name !== 'string' || (secret.value !== undefined && secret.value !== null)) return;
        const keyword = keywordOf('actions', String(action.name ?? i), secret.name);
        secret.value = `##${keyword}##`;
        derived.push({ keyword, path: describePath(out, ['actions', i, 'secrets', j, 'value']) });
      });
    });
  }
  return { doc: out, derived };
}
