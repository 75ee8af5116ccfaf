/**
 * A Lucene-like subset of Auth0's user search (`q` with search_engine v3) compiled to a SQL
 * condition over the users table.
 *
 * Supported: `field:value`, `field:"exact phrase"`, `field:prefix*` (and `*` anywhere in a
 * bare value), `field:[a TO b]` / `{a TO b}` ranges with `*` for open ends, `_exists_:field`,
 * `AND`, `OR`, `NOT` / leading `-`, parentheses, and bare terms (matched against email, name,
 * nickname, given_name, family_name, username and user_id). Adjacent clauses are ANDed.
 * String comparisons are case-insensitive; `email`, `user_id` and `identities.connection` use
 * indexed columns. Anything else is rejected with a 400, like Auth0 does for bad syntax.
 */
import { ApiError } from '../http/types.js';
import type { SqlWhere } from './store.js';

type Token =
  | { t: 'word'; v: string; quoted: boolean }
  | { t: 'range'; lo: string; hi: string; incLo: boolean; incHi: boolean }
  | { t: '(' }
  | { t: ')' }
  | { t: ':' }
  | { t: '-' };

function invalid(detail: string): ApiError {
  return new ApiError(400, `Query validation error: 'Invalid query: ${detail}' on property q (Query in Lucene query string syntax).`, 'invalid_query_string');
}

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ':') {
      out.push({ t: c });
      i++;
    } else if (c === '-' && (out.length === 0 || out[out.length - 1]!.t !== ':')) {
      out.push({ t: '-' });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < q.length && q[i] !== '"') {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        v += q[i];
        i++;
      }
      if (i >= q.length) throw invalid('unterminated quote');
      i++;
      out.push({ t: 'word', v, quoted: true });
    } else if (c === '[' || c === '{') {
      const close = q.indexOf(c === '[' ? ']' : '}', i);
      const closeAlt = q.indexOf(c === '[' ? '}' : ']', i);
      const end = [close, closeAlt].filter((n) => n >= 0).sort((a, b) => a - b)[0];
      if (end === undefined) throw invalid('unterminated range');
      const m = /^\s*(\S+)\s+TO\s+(\S+)\s*$/.exec(q.slice(i + 1, end));
      if (!m) throw invalid('bad range');
      out.push({ t: 'range', lo: unquote(m[1]!), hi: unquote(m[2]!), incLo: c === '[', incHi: q[end] === ']' });
      i = end + 1;
    } else {
      let v = '';
      while (i < q.length && !/[\s():]/.test(q[i] as string)) {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        v += q[i];
        i++;
      }
      out.push({ t: 'word', v, quoted: false });
    }
  }
  return out;
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') && s.length >= 2 ? s.slice(1, -1) : s;
}

const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;
const BARE_FIELDS = ['email', 'name', 'nickname', 'given_name', 'family_name', 'username', 'user_id'];

/** SQL expression for a field; `kind` tells how values compare. */
function column(field: string): { expr: string; kind: 'lower' | 'exact' | 'json' } {
  if (field === 'email') return { expr: 'email', kind: 'lower' };
  if (field === 'user_id') return { expr: 'user_id', kind: 'exact' };
  if (field === 'identities.connection') return { expr: 'connection', kind: 'exact' };
  if (!FIELD_RE.test(field)) throw invalid(`unsupported field ${field}`);
  const path = field.startsWith('identities.') ? `identities[0].${field.slice('identities.'.length)}` : field;
  return { expr: `json_extract(data, '$.${path}')`, kind: 'json' };
}

function likePattern(v: string): string {
  return v.replace(/[\\%_]/g, (m) => '\\' + m).replace(/\*/g, '%').replace(/\?/g, '_');
}

function termSql(field: string, value: string, quoted: boolean): SqlWhere {
  if (field === '_exists_') return { sql: `${column(value).expr} IS NOT NULL`, params: [] };
  const col = column(field);
  if (!quoted && value === '*') return { sql: `${col.expr} IS NOT NULL`, params: [] };
  if (!quoted && /[*?]/.test(value)) {
    return { sql: `${col.expr} LIKE ? ESCAPE '\\'`, params: [likePattern(value)] };
  }
  if (col.kind === 'lower') return { sql: `${col.expr} = ?`, params: [value.toLowerCase()] };
  if (col.kind === 'exact') return { sql: `${col.expr} = ?`, params: [value] };
  const alts: unknown[] = [value.toLowerCase()];
  let sql = `lower(${col.expr}) = ?`;
  if (value === 'true' || value === 'false') {
    sql += ` OR ${col.expr} = ?`;
    alts.push(value === 'true' ? 1 : 0);
  } else if (/^-?\d+(\.\d+)?$/.test(value)) {
    sql += ` OR ${col.expr} = ?`;
    alts.push(Number(value));
  }
  return { sql: `(${sql})`, params: alts };
}

function rangeSql(field: string, r: Extract<Token, { t: 'range' }>): SqlWhere {
  const col = column(field);
  const parts: string[] = [];
  const params: unknown[] = [];
  const val = (s: string) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s);
  if (r.lo !== '*') {
    parts.push(`${col.expr} ${r.incLo ? '>=' : '>'} ?`);
    params.push(val(r.lo));
  }
  if (r.hi !== '*') {
    parts.push(`${col.expr} ${r.incHi ? '<=' : '<'} ?`);
    params.push(val(r.hi));
  }
  return parts.length === 0 ? { sql: `${col.expr} IS NOT NULL`, params } : { sql: `(${parts.join(' AND ')})`, params };
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parse(): SqlWhere {
    const w = this.or();
    if (this.i < this.toks.length) throw invalid('unexpected token');
    return w;
  }

  private peekWord(v: string): boolean {
    const t = this.toks[this.i];
    return t?.t === 'word' && !t.quoted && t.v === v;
  }

  private or(): SqlWhere {
    const parts = [this.and()];
    while (this.peekWord('OR')) {
      this.i++;
      parts.push(this.and());
    }
    return join(parts, 'OR');
  }

  private and(): SqlWhere {
    const parts = [this.not()];
    for (;;) {
      const t = this.toks[this.i];
      if (!t || t.t === ')' || this.peekWord('OR')) break;
      if (this.peekWord('AND')) this.i++;
      parts.push(this.not());
    }
    return join(parts, 'AND');
  }

  private not(): SqlWhere {
    if (this.peekWord('NOT') || this.toks[this.i]?.t === '-') {
      this.i++;
      const inner = this.not();
      return { sql: `NOT (${inner.sql})`, params: inner.params };
    }
    return this.atom();
  }

  private atom(): SqlWhere {
    const t = this.toks[this.i++];
    if (!t) throw invalid('unexpected end of query');
    if (t.t === '(') {
      const inner = this.or();
      if (this.toks[this.i++]?.t !== ')') throw invalid('missing )');
      return { sql: `(${inner.sql})`, params: inner.params };
    }
    if (t.t !== 'word') throw invalid('unexpected token');
    if (this.toks[this.i]?.t === ':') {
      this.i++;
      const v = this.toks[this.i++];
      if (v?.t === 'range') return rangeSql(t.v, v);
      if (v?.t !== 'word') throw invalid(`missing value for ${t.v}`);
      return termSql(t.v, v.v, v.quoted);
    }
    return join(
      BARE_FIELDS.map((f) => termSql(f, t.v, t.quoted)),
      'OR',
    );
  }
}

function join(parts: SqlWhere[], op: 'AND' | 'OR'): SqlWhere {
  if (parts.length === 1) return parts[0]!;
  return { sql: `(${parts.map((p) => p.sql).join(` ${op} `)})`, params: parts.flatMap((p) => p.params) };
}

/** Compiles `q` to a SQL condition; an empty query matches everything. Throws ApiError 400. */
export function compileQuery(q: string | null): SqlWhere {
  if (q === null || q.trim() === '') return { sql: '1', params: [] };
  return new Parser(tokenize(q)).parse();
}

const SORTABLE_COLUMNS: Record<string, string> = { user_id: 'user_id', email: 'email', created_at: 'created_at' };

/** `sort=field:1|-1` → ORDER BY expression (ties broken by creation order). Default: creation order. */
export function compileSort(sort: string | null): string {
  if (sort === null || sort === '') return 'seq';
  const m = /^([a-zA-Z0-9_.]+):(1|-1)$/.exec(sort);
  if (!m) {
    throw new ApiError(
      400,
      "Query validation error: 'String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$' on property sort (Field to sort by. Use field:order where order is 1 for ascending and -1 for descending. e.g. created_at:1).",
      'invalid_query_string',
    );
  }
  const field = m[1]!;
  const expr = SORTABLE_COLUMNS[field] ?? column(field).expr;
  return `${expr} ${m[2] === '1' ? 'ASC' : 'DESC'}, seq`;
}
