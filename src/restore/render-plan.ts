/**
 * Renders a Plan like `terraform plan`: a header, a summary table, the totals line, then the
 * details (+ create, ~ update with changed fields, - delete, ? only in target and kept), users
 * and memberships that cannot be restored, fields that cannot be compared, warnings.
 * `renderPlanJson` is the `--json` / `--out` form. Both are pure; values are shortened for
 * the terminal, never in the JSON. Secret-looking values were redacted when the plan was made.
 */
import { objectKey } from './config-diff.js';
import type { FieldChange, MembershipCounts, Plan } from './types.js';

const MAX_VALUE_CHARS = 80;

/** The plan as one JSON document (what `--json` prints and `--out` saves). */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const n = (v: number) => String(v);

function membershipRow(label: string, m: MembershipCounts): string[] {
  return [label, n(m.add), '-', n(m.remove), n(m.unchanged), '-'];
}

function summaryTable(plan: Plan): string[] {
  const steps = new Set(plan.steps.map((s) => s.type));
  const rows: string[][] = [['TYPE', 'CREATE', 'UPDATE', 'DELETE', 'UNCHANGED', 'ONLY IN TARGET']];
  for (const [type, d] of Object.entries(plan.config)) {
    const deletes = d.onlyInTarget.filter((o) => o.willDelete).length;
    rows.push([type, n(d.create.length), n(d.update.length), n(deletes), n(d.unchanged), n(d.onlyInTarget.length - deletes)]);
  }
  if (steps.has('users')) {
    const u = plan.users;
    const mode = plan.options.users;
    rows.push([`users (${mode})`, mode === 'skip' ? '0' : n(u.insert), mode === 'upsert' ? n(u.update) : '0', '-', n(u.unchanged), n(u.onlyInTarget)]);
  }
  if (steps.has('memberships')) {
    const m = plan.memberships;
    rows.push(membershipRow('role members', m.roleMembers));
    rows.push(membershipRow('organization members', m.orgMembers));
    rows.push(membershipRow('organization member roles', m.orgMemberRoles));
  }
  return table(rows);
}

function changeLine(c: FieldChange): string {
  return `      ${c.path}: ${show(c.from)} → ${show(c.to)}`;
}

function configDetails(plan: Plan): string[] {
  const out: string[] = [];
  for (const [type, d] of Object.entries(plan.config)) {
    for (const obj of d.create) out.push(`  + ${type}[${objectKey(type, obj) ?? '?'}]`);
    for (const u of d.update) {
      out.push(`  ~ ${type}[${u.name}]`);
      out.push(...u.changes.map(changeLine));
    }
    for (const o of d.onlyInTarget) {
      out.push(o.willDelete ? `  - ${type}[${o.name}]` : `  ? ${type}[${o.name}] (only in the target; kept${plan.options.allowDelete ? ', protected' : ': deleted only with --allow-delete'})`);
    }
  }
  return out;
}

function usersDetails(plan: Plan): string[] {
  const u = plan.users;
  const out: string[] = [];
  for (const [connection, c] of Object.entries(u.byConnection)) out.push(`  ${connection}: ${c.insert} to insert, ${c.update} to update, ${c.unchanged} unchanged`);
  if (u.matchedByEmail > 0) out.push(`  ${u.matchedByEmail} matched by email (the target's user_id differs)`);
  const fields = Object.entries(u.changedFields);
  if (fields.length > 0) out.push(`  changed fields: ${fields.map(([f, c]) => `${f} ${c}`).join(', ')}`);
  if (u.sample.insert.length > 0) out.push(`  e.g. insert ${u.sample.insert.join(', ')}`);
  if (u.sample.update.length > 0) out.push(`  e.g. update ${u.sample.update.join(', ')}`);
  if (u.onlyInTarget > 0) out.push(`  ${u.onlyInTarget} only in the target (kept), e.g. ${u.sample.onlyInTarget.join(', ')}`);
  for (const g of u.notImportable) out.push(`  not importable: ${g.count} — ${g.reason} (e.g. ${g.sample.join(', ')})`);
  return out;
}

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : ['', `${title}:`, ...lines];
}

/** The text form of a plan, one string ending in a newline. */
export function renderPlanText(plan: Plan): string {
  const s = plan.summary;
  const lines = [
    `Restore plan: snapshot ${plan.snapshot.id} (${plan.snapshot.tenant}) → ${plan.target.domain}`,
    `Options: users ${plan.options.users}, ${plan.options.allowDelete ? `deletes allowed (at most ${plan.options.maxDeletes})` : 'no deletes'}; steps ${plan.steps.map((x) => x.type).join(' → ')}`,
    '',
    ...summaryTable(plan),
    '',
    s.changes === 0
      ? 'No changes: the target already matches the snapshot.'
      : `Plan: ${s.creates} to create, ${s.updates} to update, ${s.deletes} to delete (${s.changes} change${s.changes === 1 ? '' : 's'}).`,
    ...section('Configuration', configDetails(plan)),
    ...section('Users', plan.steps.some((x) => x.type === 'users') ? usersDetails(plan) : []),
    ...section('Memberships that cannot be translated', plan.memberships.unresolved.map((g) => `  ${g.count} — ${g.reason} (e.g. ${g.sample.join(', ')})`)),
    ...section('Cannot compare (masked or never returned by Auth0; never counted as changes)', plan.cannotCompare.map((p) => `  ${p}`)),
    ...section('Warnings', plan.warnings.map((w) => `  ! ${w}`)),
  ];
  return `${lines.join('\n')}\n`;
}
