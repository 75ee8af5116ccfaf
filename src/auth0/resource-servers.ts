/** APIs (resource servers), offset pagination. */
import type { Management } from 'auth0';
import type { CallOptions, ManagementApi } from './client.js';
import { paginateOffset } from './paginate.js';

export function listResourceServers(api: ManagementApi, o: CallOptions = {}): AsyncGenerator<Management.ResourceServer> {
  return paginateOffset(
    async (page, perPage) => {
      const p = await api.call((ro) => api.sdk.resourceServers.list({ page, per_page: perPage, include_totals: true }, ro), o);
      return { items: p.data, total: p.response.total };
    },
    { route: 'GET /resource-servers' },
  );
}
