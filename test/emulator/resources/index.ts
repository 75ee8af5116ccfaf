/**
 * Every configuration route of the emulator: the generic collections (table.ts), singletons,
 * sub-resources, organizations, actions and keyed resources; plus the cross-type cascades a
 * delete has on Auth0 (a deleted connection leaves every organization, a deleted grant leaves
 * every organization, a deleted action loses its trigger bindings).
 */
import type { MemoryConfigStore } from '../config-store.js';
import type { RouteDef } from '../http/types.js';
import './relaxations.js';
import { actionRoutes } from './actions.js';
import { childRoutes } from './children.js';
import { collectionRoutes, type ResourceEnv } from './collection.js';
import { miscRoutes } from './misc.js';
import { organizationRoutes } from './organizations.js';
import { singletonRoutes } from './singletons.js';
import { resourceTypes } from './table.js';

export function configRoutes(store: MemoryConfigStore, domain: () => string, now: () => number = Date.now): RouteDef[] {
  const iso = () => new Date(now()).toISOString();
  const env: ResourceEnv = { store, domain, now: iso };
  const routes: RouteDef[] = [
    ...resourceTypes.flatMap((t) => collectionRoutes(t, env)),
    ...singletonRoutes(store),
    ...childRoutes(store, iso),
    ...organizationRoutes(store),
    ...actionRoutes(store, iso),
    ...miscRoutes(store, domain),
  ];
  store.onDelete((type, id) => {
    if (type === 'connections' || type === 'client-grants') {
      const child = type === 'connections' ? 'organization-connections' : 'organization-client-grants';
      for (const org of store.list('organizations')) store.remove(child, id, String(org.id));
    }
    if (type === 'actions') {
      for (const e of store.entries('trigger-bindings')) {
        if (e.rec.action_id === id) store.remove('trigger-bindings', String(e.rec.id), String(e.rec.trigger_id));
      }
    }
  });
  return routes;
}
