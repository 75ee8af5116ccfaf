/** Connections (checkpoint pagination), e.g. for the id map and finding database connections. */
import type { Management } from 'auth0';
import type { CallOptions, ManagementApi } from './client.js';
import { paginateCheckpoint } from './paginate.js';

export function listConnections(
  api: ManagementApi,
  o: CallOptions & { strategy?: Management.ConnectionStrategyEnum; name?: string } = {},
): AsyncGenerator<Management.ConnectionForList> {
  return paginateCheckpoint(
    async (from, take) => {
      const req = { from, take, ...(o.strategy ? { strategy: o.strategy } : {}), ...(o.name ? { name: o.name } : {}) };
      const p = await api.call((ro) => api.sdk.connections.list(req, ro), o);
      return { items: p.data, next: p.response.next };
    },
    { route: 'GET /connections' },
  );
}
