/**
 * Renders the per-command scope tables of docs/scopes.md from scopes.ts (a test keeps the
 * document in step with the code).
 */
import { coverScopes } from './doctor.js';
import { CONFIG_TYPES, OWN_STEPS, requirementsFor, type Command } from './scopes.js';
import { ROUTE_SCOPES, type KnownRoute } from './scope-table.js';

const anyOf = (route: KnownRoute) => ROUTE_SCOPES[route].map((s) => `\`${s}\``).join(' or ');

/** A small sufficient scope list per command (all config types, no deletes). */
export function renderScopeSummary(): string {
  const commands: Command[] = ['snapshot', 'plan', 'restore'];
  const rows = commands.map((c) => {
    const reqs = requirementsFor(c);
    const required = coverScopes(reqs.filter((r) => r.effect === 'required'));
    const skips = coverScopes(reqs.filter((r) => r.effect === 'skips' && !r.anyOf.some((s) => required.includes(s))));
    return `| ${c} | ${required.map((s) => `\`${s}\``).join(' ')} | ${skips.map((s) => `\`${s}\``).join(' ') || '—'} |`;
  });
  return ['| command | required | without it a config type is skipped |', '| --- | --- | --- |', ...rows].join('\n');
}

export function renderOwnSteps(): string {
  const rows = Object.entries(OWN_STEPS).flatMap(([step, routes]) => routes.map((r) => `| ${step} | \`${r}\` | ${anyOf(r)} |`));
  return ['| step | route | scope (any of) |', '| --- | --- | --- |', ...rows].join('\n');
}

export function renderConfigTypes(): string {
  const rows = CONFIG_TYPES.map((t) => {
    const fmt = (routes: KnownRoute[]) => [...new Set(routes.flatMap((r) => [anyOf(r)]))].join(', ') || '—';
    return `| ${t.name} | ${fmt(t.reads)} | ${fmt(t.writes)} | ${fmt(t.deletes)} |`;
  });
  return ['| deploy-cli type | read (snapshot, plan) | write (restore) | delete (`--allow-delete`) |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
