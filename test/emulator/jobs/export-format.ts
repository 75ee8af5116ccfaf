/**
 * Turning stored users into export lines: field paths (`email`, `user_metadata.country`,
 * `identities[0].connection`), JSON lines (NDJSON, keys = `export_as` or the field name
 * verbatim, absent values omitted) and CSV rows with Auth0's CSV-injection escaping (every
 * string wrapped in double quotes with a leading `'`, quotes doubled; Auth0-generated ISO dates
 * left bare).
 */
import type { Rec } from '../contract.js';
import type { ExportField } from './job-model.js';

/** Fields exported when the request names none (Auth0 documents only "a predefined set"). */
export const DEFAULT_CSV_FIELDS: ExportField[] = [
  'user_id', 'email', 'email_verified', 'username', 'phone_number', 'phone_verified', 'name', 'nickname',
  'given_name', 'family_name', 'picture', 'blocked', 'created_at', 'updated_at', 'last_login', 'logins_count',
].map((name) => ({ name }));

/** Top-level attributes Auth0 does not export. */
const NOT_EXPORTABLE = new Set(['blocked_for', 'guardian_authenticators', 'tenant']);
const DATE_FIELDS = new Set(['created_at', 'updated_at', 'last_login', 'last_password_reset', 'multifactor_last_modified']);

/** `identities[0].connection` → ['identities', 0, 'connection']. */
export function parsePath(name: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of name.split('.')) {
    const m = /^([^[\]]*)((\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1]!);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function valueAt(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

export interface LineFormatter {
  header?: string;
  line(user: Rec): string;
}

export function jsonFormatter(fields: ExportField[] | undefined): LineFormatter {
  if (!fields || fields.length === 0) {
    return {
      line: (user) => {
        const out: Rec = {};
        for (const [k, v] of Object.entries(user)) if (!NOT_EXPORTABLE.has(k)) out[k] = v;
        return JSON.stringify(out) + '\n';
      },
    };
  }
  const compiled = fields.map((f) => ({ key: f.export_as ?? f.name, path: parsePath(f.name) }));
  return {
    line: (user) => {
      const out: Rec = {};
      for (const f of compiled) {
        const v = valueAt(user, f.path);
        if (v !== undefined) out[f.key] = v;
      }
      return JSON.stringify(out) + '\n';
    },
  };
}

/** One CSV cell per Auth0's escaping rules. */
export function csvCell(value: unknown, fieldName: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && DATE_FIELDS.has(fieldName) && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value)) return value;
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return `"'${s.replace(/"/g, '""')}"`;
}

export function csvFormatter(fields: ExportField[] | undefined): LineFormatter {
  const list = fields && fields.length > 0 ? fields : DEFAULT_CSV_FIELDS;
  const compiled = list.map((f) => ({ key: f.export_as ?? f.name, name: f.name, path: parsePath(f.name) }));
  const headerCell = (k: string) => (/[",\n\r]/.test(k) ? `"${k.replace(/"/g, '""')}"` : k);
  return {
    header: compiled.map((f) => headerCell(f.key)).join(',') + '\n',
    line: (user) => compiled.map((f) => csvCell(valueAt(user, f.path), f.name)).join(',') + '\n',
  };
}
