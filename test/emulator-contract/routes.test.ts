/**
 * The emulator's contract with Auth0's OpenAPI document: every registered Management API route
 * gets one representative request (cases-*.ts, run in order against a `demo` tenant) and the
 * answer must carry the documented success status, the x-ratelimit-* headers, and a body that
 * validates against the document's response schema for that route and status (no body where
 * the document gives none). A route without a case fails the coverage test; the only routes
 * allowed outside the document are listed in NOT_IN_OAS with the reason. Two contradictions
 * of the document itself are corrected in errata.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationForPattern, responseSchema, successStatuses } from '../emulator/oas.js';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { createCases } from './cases-config.js';
import { deleteCases } from './cases-delete.js';
import { readCases } from './cases-read.js';
import { userCases, userDeleteCases } from './cases-users.js';
import type { CaseContext, ContractCase } from './contract-case.js';
import { responseValidator } from './errata.js';
import { managementToken } from './support.js';

/** Routes deploy-cli calls that the document does not describe, and what they answer. */
const NOT_IN_OAS: Record<string, string> = {
  'GET /organizations/:id/clients': 'org-to-app (early access): 403 feature_not_enabled, tolerated by deploy-cli',
  'POST /organizations/:id/clients': 'org-to-app (early access): 403 feature_not_enabled',
  'DELETE /organizations/:id/clients': 'org-to-app (early access): 403 feature_not_enabled',
};

const cases: ContractCase[] = [...createCases, ...userCases, ...readCases, ...userDeleteCases, ...deleteCases];

let emu: RunningEmulator;
let token = '';
const ctx: CaseContext = { ids: {} };

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', jobLatencyMs: 20 });
  token = await managementToken(emu);
  ctx.ids.upa = String(emu.store.findBy('connections', 'name', 'Username-Password-Authentication')?.id);
});

afterAll(async () => {
  await emu?.close();
});

describe('route contract (OpenAPI document)', () => {
  it('has a representative case for every registered route, and no case for an unknown route', () => {
    const registered = emu.router.list().map((r) => `${r.method} ${r.pattern}`);
    const covered = new Set(cases.map((c) => c.route));
    expect(registered.filter((r) => !covered.has(r)).sort()).toEqual([]);
    expect([...covered].filter((r) => !registered.includes(r)).sort()).toEqual([]);
    expect(cases.length).toBe(covered.size);
  });

  for (const c of cases) {
    it(c.route, async () => {
      const [method, pattern] = c.route.split(' ') as [string, string];
      await c.before?.(ctx);
      const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
      if (c.form) init.body = c.form(ctx);
      else if (c.body) {
        init.body = JSON.stringify(c.body(ctx));
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await fetch(`${emu.url}/api/v2${c.path(ctx)}`, init);
      const text = await res.text();
      const body = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
      for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(res.headers.get(h), h).toMatch(/^\d+$/);

      if (c.capture && body && typeof body === 'object') c.capture(body as Record<string, unknown>, ctx);
      const found = operationForPattern(method as 'GET', pattern);
      if (!found) {
        expect(NOT_IN_OAS[c.route], `${c.route} is not in the OpenAPI document`).toBeDefined();
        expect(res.status).toBe(c.status);
        expect(body).toMatchObject({ statusCode: res.status, error: expect.any(String), message: expect.any(String) });
        return;
      }
      const expected = c.status ?? successStatuses(found.op)[0];
      const accepted = [expected, ...(c.alsoAccept ?? [])];
      expect(accepted, `status ${res.status}: ${text.slice(0, 300)}`).toContain(res.status);
      const schema = res.status === 204 ? undefined : responseSchema(found.op, res.status);
      if (!schema) {
        expect(text, 'no body (204, or the document gives none for this status)').toBe(c.bodyWhereDocumentHasNone ?? '');
        return;
      }
      const validate = responseValidator(schema);
      const ok = validate(body);
      expect(ok, JSON.stringify(validate.errors?.slice(0, 3), null, 1)).toBe(true);
    });
  }
});
