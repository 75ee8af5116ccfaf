/**
 * The scope check run before any work: given the token's scopes and the command about to run,
 * list what is missing, which routes and steps need it, and the smallest set of scopes to grant
 * (greedy cover over each route's "any of" list). A token whose scopes cannot be read (an
 * opaque token) yields `known: false`; Auth0 will still refuse what is not granted.
 */
import { A0vaultError } from '../core/errors.js';
import type { CallOptions, ManagementApi } from './client.js';
import { requirementsFor, type Command, type Requirement, type RequirementOptions } from './scopes.js';

export interface ScopeReport {
  command: Command;
  /** False when the token's scopes could not be read. */
  known: boolean;
  /** Requirements the command cannot do without. */
  missing: Requirement[];
  /** Config types a snapshot will leave out (deploy-cli skips them). */
  skipped: Requirement[];
  /** Scopes to grant so that nothing is missing or skipped. */
  grant: string[];
  ok: boolean;
}

export function checkScopes(command: Command, granted: ReadonlySet<string> | undefined, opts: RequirementOptions = {}): ScopeReport {
  if (granted === undefined) return { command, known: false, missing: [], skipped: [], grant: [], ok: true };
  const unmet = requirementsFor(command, opts).filter((r) => !r.anyOf.some((s) => granted.has(s)));
  const missing = unmet.filter((r) => r.effect === 'required');
  const skipped = unmet.filter((r) => r.effect === 'skips');
  return { command, known: true, missing, skipped, grant: coverScopes(unmet), ok: missing.length === 0 };
}

/** Reads the token's scopes (fetching a token if needed) and checks them. */
export async function doctor(api: ManagementApi, command: Command, opts: RequirementOptions & CallOptions = {}): Promise<ScopeReport> {
  const signal = opts.signal ?? new AbortController().signal;
  return checkScopes(command, await api.tokens.scopes(signal), opts);
}

/** Throws code 'missing-scopes' (exit 2) naming what to grant, when required scopes are missing. */
export function assertScopes(report: ScopeReport): void {
  if (report.ok) return;
  const byScope = new Map<string, Set<string>>();
  for (const r of report.missing) {
    const scope = report.grant.find((s) => r.anyOf.includes(s)) ?? r.anyOf[0] ?? '?';
    const whats = byScope.get(scope) ?? new Set<string>();
    whats.add(r.what);
    byScope.set(scope, whats);
  }
  const list = [...byScope].map(([scope, whats]) => `${scope} (${[...whats].join(', ')})`).join(', ');
  throw new A0vaultError('missing-scopes', `The token lacks scopes needed for ${report.command}: ${list}`, {
    details: { missing: [...byScope.keys()], routes: report.missing.map((r) => r.route) },
  });
}

/** A small set of scopes, preferring each route's main scope, such that every requirement has one. */
export function coverScopes(reqs: readonly Pick<Requirement, 'anyOf'>[]): string[] {
  const chosen: string[] = [];
  let open = reqs;
  while (open.length > 0) {
    // score: requirements where the scope is listed first (Auth0's main scope for the route)
    // dominate; then how many requirements it covers at all
    const counts = new Map<string, number>();
    for (const r of open) r.anyOf.forEach((s, i) => counts.set(s, (counts.get(s) ?? 0) + (i === 0 ? 1000 : 1)));
    let best = '';
    let bestCount = 0;
    for (const [s, c] of counts) if (c > bestCount) [best, bestCount] = [s, c];
    chosen.push(best);
    open = open.filter((r) => !r.anyOf.includes(best));
  }
  return chosen.sort();
}
