/** Applications (offset pagination: tenants hold far fewer than 1,000 in practice; more is an error). */
import type { Management } from 'auth0';
import type { CallOptions, ManagementApi } from './client.js';
import { paginateOffset } from './paginate.js';

export function listClients(api: ManagementApi, o: CallOptions & { fields?: string } = {}): AsyncGenerator<Management.Client> {
  return paginateOffset(
    async (page, perPage) => {
      const req = { page, per_page: perPage, include_totals: true, ...(o.fields ? { fields: o.fields, include_fields: true } : {}) };
      const p = await api.call((ro) => api.sdk.clients.list(req, ro), o);
      return { items: p.data, total: p.response.total };
    },
    { route: 'GET /clients' },
  );
}
