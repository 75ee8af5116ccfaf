/**
 * Walking a deploy-cli tenant.yaml document by string leaf, with readable paths
 * (`clients[TIL Client].callbacks[0]`), for rewrites, marker discovery and field removal.
 * Contract: pure helpers over plain JSON-like values; `mapStrings` returns a new document.
 */
import { isPlainObject, objectKey } from '../restore/config-diff.js';

export type Doc = Record<string, unknown>;
/** One step: an object key or an array index. */
export type Step = string | number;

export interface StringLeaf {
  /** Readable path for reports. */
  path: string;
  /** The last object key above the leaf (for secret-looking field detection). */
  key: string;
  steps: Step[];
  value: string;
}

function topLabel(type: string, item: unknown, index: number): string {
  if (!isPlainObject(item)) return `${type}[${index}]`;
  const name = typeof item.name === 'string' ? item.name : objectKey(type, item);
  return name === undefined ? `${type}[${index}]` : `${type}[${name}]`;
}

/** The readable path of `steps` inside `doc`. */
export function describePath(doc: Doc, steps: readonly Step[]): string {
  const [type, index, ...rest] = steps;
  if (typeof type !== 'string') return '';
  let out = type;
  if (typeof index === 'number') out = topLabel(type, (doc[type] as unknown[] | undefined)?.[index], index);
  else if (index !== undefined) out += `.${index}`;
  for (const step of rest) out += typeof step === 'number' ? `[${step}]` : `.${step}`;
  return out;
}

/** Rebuilds `value` with every string replaced by `fn(leaf)` (same shape otherwise). */
export function mapStrings(doc: Doc, fn: (leaf: StringLeaf) => string): Doc {
  const walk = (value: unknown, steps: Step[], key: string): unknown => {
    if (typeof value === 'string') return fn({ path: describePath(doc, steps), key, steps, value });
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...steps, i], key));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...steps, k], k)]));
    return value;
  };
  return walk(doc, [], '') as Doc;
}

/** Every string leaf of `doc`, in document order. */
export function stringLeaves(doc: Doc): StringLeaf[] {
  const out: StringLeaf[] = [];
  mapStrings(doc, (leaf) => {
    out.push(leaf);
    return leaf.value;
  });
  return out;
}

/** Removes the leaf at `steps` in place (an object field is deleted; an array element spliced). */
export function removeAt(doc: Doc, steps: readonly Step[]): void {
  let parent: unknown = doc;
  for (const step of steps.slice(0, -1)) {
    parent = Array.isArray(parent) && typeof step === 'number' ? parent[step] : isPlainObject(parent) ? parent[String(step)] : undefined;
  }
  const last = steps[steps.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else if (isPlainObject(parent) && last !== undefined) delete parent[String(last)];
}

/** Sets the leaf at `steps` in place (the parent must exist). */
export function setAt(doc: Doc, steps: readonly Step[], value: unknown): void {
  let parent: unknown = doc;
  for (const step of steps.slice(0, -1)) {
    parent = Array.isArray(parent) && typeof step === 'number' ? parent[step] : isPlainObject(parent) ? parent[String(step)] : undefined;
  }
  const last = steps[steps.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent[last] = value;
  else if (isPlainObject(parent) && last !== undefined) parent[String(last)] = value;
}
