/**
 * Value rewrites for clones: exact, prefix and domain rules compiled into one matcher.
 *
 * Semantics (docs/clone.md):
 * - A configuration value equal to an exact rule's `exact` becomes its `to`; nothing else is
 *   applied to that value.
 * - Otherwise (and in template text) every occurrence of a prefix or domain rule is replaced,
 *   scanning left to right in one pass, the longest rule first at a position: a replaced part
 *   is never rewritten again, so rule order does not matter and rules never chain.
 * - A prefix matches where it starts at a boundary (start, or after a character that cannot be
 *   part of a URL token) and, when it ends with a host-name character, only where the host name
 *   ends (`https://app.example.com` does not match `https://app.example.com.evil.net`).
 * - A domain rule matches the host and its subdomains, case-insensitively, wherever a host name
 *   can stand: in URLs, e-mail addresses and bare host names; the subdomain part is kept
 *   (`www.compe.plus` → `www.compe-test.example`).
 *
 * Contract: pure and deterministic; `describeRule` names a rule in reports.
 */
import type { RewriteRule } from './mappings.js';

export interface RewriteHit {
  from: string;
  to: string;
  rule: string;
}

export interface Rewriter {
  /** The rewritten value and the hits (empty when unchanged). */
  value(value: string): { value: string; hits: RewriteHit[] };
  /** Every prefix/domain occurrence in free text replaced (exact rules do not apply to text). */
  text(text: string): { text: string; hits: RewriteHit[] };
  /** True when the rewriter has no rule at all. */
  readonly empty: boolean;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Case-insensitive form of a literal without the `i` flag (prefix rules stay case-sensitive). */
const caseless = (s: string): string =>
  [...s].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escape(c))).join('');

const HOST_END = '(?![A-Za-z0-9-]|\\.[A-Za-z0-9])';
const TOKEN_START = '(?<![A-Za-z0-9._~%+-])';

export function describeRule(rule: RewriteRule): string {
  return `${rule.kind} ${rule.from} -> ${rule.to}`;
}

interface Alternative {
  rule: RewriteRule;
  pattern: string;
  length: number;
}

function alternative(rule: RewriteRule): Alternative {
  if (rule.kind === 'domain') {
    return { rule, pattern: `(?<![A-Za-z0-9-])(?:[A-Za-z0-9-]+\\.)*${caseless(rule.from)}${HOST_END}`, length: rule.from.length };
  }
  const endsInHost = /[A-Za-z0-9-]$/.test(rule.from);
  return { rule, pattern: `${TOKEN_START}${escape(rule.from)}${endsInHost ? HOST_END : ''}`, length: rule.from.length };
}

/** Compiles the rules; throws nothing (the mapping schema already checked them). */
export function compileRewrites(rules: readonly RewriteRule[]): Rewriter {
  const exact = new Map<string, RewriteRule>();
  for (const r of rules) if (r.kind === 'exact' && !exact.has(r.from)) exact.set(r.from, r);
  const alternatives = rules
    .filter((r) => r.kind !== 'exact')
    .map(alternative)
    .sort((a, b) => b.length - a.length);
  const regex = alternatives.length > 0 ? new RegExp(alternatives.map((a) => `(${a.pattern})`).join('|'), 'g') : undefined;

  const text = (input: string): { text: string; hits: RewriteHit[] } => {
    if (!regex) return { text: input, hits: [] };
    const hits: RewriteHit[] = [];
    const out = input.replace(regex, (match: string, ...groups: unknown[]) => {
      const index = groups.findIndex((g, i) => i < alternatives.length && g !== undefined);
      const alt = alternatives[index];
      if (!alt) return match;
      const replaced = alt.rule.kind === 'domain' ? match.slice(0, match.length - alt.rule.from.length) + alt.rule.to : alt.rule.to;
      hits.push({ from: match, to: replaced, rule: describeRule(alt.rule) });
      return replaced;
    });
    return { text: out, hits };
  };

  return {
    empty: exact.size === 0 && alternatives.length === 0,
    text,
    value(value: string) {
      const rule = exact.get(value);
      if (rule) return { value: rule.to, hits: [{ from: value, to: rule.to, rule: describeRule(rule) }] };
      const r = text(value);
      return { value: r.text, hits: r.hits };
    },
  };
}
