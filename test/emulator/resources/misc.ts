/**
 * Keyed resources that are neither collections with generated ids nor singletons: email
 * templates (by template name; 404 until created), rules configs (by key; values never listed),
 * guardian factors (fixed list, enabled flag per name), the default custom domain and the
 * default branding theme, prompt custom texts, partials and screen renderings, and
 * self-service-profile custom texts.
 */
import type { MemoryConfigStore } from '../config-store.js';
import type { Rec } from '../contract.js';
import { ApiError, type RouteDef } from '../http/types.js';
import { documentedMessage } from '../oas.js';
import { listBody } from './listing.js';
import { bodyObject, okStatus, opRoute, requireParent } from './route.js';

const TEMPLATES = 'email-templates';
const RULES_CONFIGS = 'rules-configs';
const TEXTS = 'custom-texts';
const RENDERING = 'prompt-renderings';

export function miscRoutes(store: MemoryConfigStore, domain: () => string): RouteDef[] {
  store.defineType(TEMPLATES, 'template');
  store.defineType(RULES_CONFIGS, 'key');
  store.defineType(TEXTS, 'key');
  store.defineType(RENDERING, 'key');
  const text = (parent: string, key: string): Rec => (store.getChild(TEXTS, parent, key)?.value as Rec | undefined) ?? {};
  const setText = (parent: string, key: string, value: unknown) => store.replace(TEXTS, key, { key, value }, parent);
  const presentTemplate = (t: Rec): Rec => t;

  return [
    // --- email templates
    opRoute('GET', '/email-templates/{templateName}', (req, op) => {
      const t = store.get(TEMPLATES, req.params.templateName ?? '');
      if (!t) throw new ApiError(404, documentedMessage(op, 404) ?? 'Template not found.');
      return { status: 200, body: presentTemplate(t) };
    }),
    opRoute('POST', '/email-templates', (req, op) => {
      const body = bodyObject(req);
      if (store.get(TEMPLATES, String(body.template))) throw new ApiError(409, `Template (${String(body.template)}) already exists.`);
      store.insert(TEMPLATES, body);
      return { status: okStatus(op), body: presentTemplate(body) };
    }),
    opRoute('PATCH', '/email-templates/{templateName}', (req, op) => {
      const name = req.params.templateName ?? '';
      const prev = store.get(TEMPLATES, name);
      if (!prev) throw new ApiError(404, 'Template not found and cannot be updated.');
      const rec = { ...prev, ...bodyObject(req), template: name };
      store.replace(TEMPLATES, name, rec);
      return { status: okStatus(op), body: presentTemplate(rec) };
    }),
    opRoute('PUT', '/email-templates/{templateName}', (req, op) => {
      const name = req.params.templateName ?? '';
      if (!store.get(TEMPLATES, name)) throw new ApiError(404, 'Template not found.');
      const rec = { ...bodyObject(req), template: name };
      store.replace(TEMPLATES, name, rec);
      return { status: okStatus(op), body: presentTemplate(rec) };
    }),

    // --- rules configs: the list shows keys only
    opRoute('GET', '/rules-configs', () => ({ status: 200, body: store.list(RULES_CONFIGS).map((r) => ({ key: r.key })) })),
    opRoute('PUT', '/rules-configs/{key}', (req, op) => {
      const key = req.params.key ?? '';
      const rec = { key, value: bodyObject(req).value };
      store.replace(RULES_CONFIGS, key, rec);
      return { status: okStatus(op), body: rec };
    }),
    opRoute('DELETE', '/rules-configs/{key}', (req, op) => {
      store.remove(RULES_CONFIGS, req.params.key ?? '');
      return { status: okStatus(op, 204) };
    }),

    // --- guardian factors
    opRoute('GET', '/guardian/factors', () => ({ status: 200, body: store.getSingleton<Rec[]>('/guardian/factors') ?? [] })),
    opRoute('PUT', '/guardian/factors/{name}', (req, op) => {
      const factors = store.getSingleton<Rec[]>('/guardian/factors') ?? [];
      const factor = factors.find((f) => f.name === req.params.name);
      if (!factor) throw new ApiError(404, 'Factor not found');
      factor.enabled = bodyObject(req).enabled === true;
      store.setSingleton('/guardian/factors', factors);
      return { status: okStatus(op), body: { enabled: factor.enabled } };
    }),

    // --- default custom domain and default theme
    opRoute('GET', '/custom-domains/default', () => {
      const d = store.list('custom-domains').find((c) => c.is_default === true);
      return { status: 200, body: d ?? { domain: domain().split(':')[0] } };
    }),
    opRoute('PATCH', '/custom-domains/default', (req, op) => {
      const wanted = bodyObject(req).domain;
      const all = store.list('custom-domains');
      const target = all.find((c) => c.domain === wanted);
      if (!target && wanted !== domain().split(':')[0]) throw new ApiError(404, 'Custom domain not found.');
      for (const c of all) store.replace('custom-domains', String(c.custom_domain_id), { ...c, is_default: c === target });
      return { status: okStatus(op), body: target ? { ...target, is_default: true } : { domain: wanted } };
    }),
    opRoute('GET', '/branding/themes/default', (_req, op) => {
      const theme = store.list('themes')[0];
      if (!theme) throw new ApiError(404, documentedMessage(op, 404) ?? 'There was an error retrieving branding settings: invalid theme ID');
      return { status: 200, body: theme };
    }),

    // --- prompts: custom text, partials, screen renderings
    opRoute('GET', '/prompts/{prompt}/custom-text/{language}', (req) => ({
      status: 200,
      body: text('prompts', `${req.params.prompt}/${req.params.language}`),
    })),
    opRoute('PUT', '/prompts/{prompt}/custom-text/{language}', (req, op) => {
      setText('prompts', `${req.params.prompt}/${req.params.language}`, bodyObject(req));
      return { status: okStatus(op) };
    }),
    opRoute('GET', '/prompts/{prompt}/partials', (req) => ({ status: 200, body: text('partials', String(req.params.prompt)) })),
    opRoute('PUT', '/prompts/{prompt}/partials', (req, op) => {
      setText('partials', String(req.params.prompt), bodyObject(req));
      return { status: okStatus(op) };
    }),
    opRoute('GET', '/prompts/rendering', (req, op) => {
      const prompt = req.query.get('prompt');
      const screen = req.query.get('screen');
      const mode = req.query.get('rendering_mode');
      const items = store
        .entries(RENDERING)
        .filter(({ rec }) => (!prompt || rec.prompt === prompt) && (!screen || rec.screen === screen) && (!mode || rec.rendering_mode === mode));
      return { status: 200, body: listBody(op, items, req.query, presentRendering) };
    }),
    opRoute('GET', '/prompts/{prompt}/screen/{screen}/rendering', (req) => {
      const rec = store.get(RENDERING, `${req.params.prompt}/${req.params.screen}`);
      return { status: 200, body: presentRendering(rec ?? { prompt: req.params.prompt, screen: req.params.screen, rendering_mode: 'standard' }) };
    }),
    opRoute('PATCH', '/prompts/{prompt}/screen/{screen}/rendering', (req, op) => {
      const key = `${req.params.prompt}/${req.params.screen}`;
      const prev = store.get(RENDERING, key) ?? { key, tenant: domain().split(':')[0], prompt: req.params.prompt, screen: req.params.screen };
      const rec = { ...prev, ...bodyObject(req), key };
      store.replace(RENDERING, key, rec);
      return { status: okStatus(op), body: presentRendering(rec) };
    }),

    // --- self-service profile custom text
    opRoute('GET', '/self-service-profiles/{id}/custom-text/{language}/{page}', (req, op) => {
      const p = requireParent(store, 'self-service-profiles', req.params.id, op);
      return { status: 200, body: text(String(p.id), `${req.params.language}/${req.params.page}`) };
    }),
    opRoute('PUT', '/self-service-profiles/{id}/custom-text/{language}/{page}', (req, op) => {
      const p = requireParent(store, 'self-service-profiles', req.params.id, op);
      const value = bodyObject(req);
      setText(String(p.id), `${req.params.language}/${req.params.page}`, value);
      return { status: okStatus(op), body: value };
    }),
  ];
}

function presentRendering(rec: Rec): Rec {
  const { key: _k, ...rest } = rec;
  return rest;
}
