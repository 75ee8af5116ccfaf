/**
 * A minimal in-memory ConfigStore for unit tests of the user and job modules (the real one
 * lives in ../config-store.ts). Holds connections, roles and organizations given up front.
 */
import type { ConfigStore, Rec } from '../contract.js';

export class FakeConfigStore implements ConfigStore {
  private readonly data = new Map<string, Rec[]>();
  private readonly listeners: ((type: string, id: string) => void)[] = [];

  constructor(initial: Record<string, Rec[]> = {}) {
    for (const [type, recs] of Object.entries(initial)) this.data.set(type, [...recs]);
  }

  list(type: string): readonly Rec[] {
    return this.data.get(type) ?? [];
  }

  get(type: string, id: string): Rec | undefined {
    const field = type === 'clients' ? 'client_id' : 'id';
    return this.list(type).find((r) => r[field] === id);
  }

  findBy(type: string, field: string, value: unknown): Rec | undefined {
    return this.list(type).find((r) => r[field] === value);
  }

  onDelete(listener: (type: string, id: string) => void): void {
    this.listeners.push(listener);
  }

  add(type: string, rec: Rec): void {
    this.data.set(type, [...this.list(type), rec]);
  }

  remove(type: string, id: string): void {
    this.data.set(
      type,
      this.list(type).filter((r) => r.id !== id),
    );
    for (const l of this.listeners) l(type, id);
  }
}

/** A small tenant: two database connections, one social, one passwordless, roles and orgs. */
export function sampleConfig(): FakeConfigStore {
  return new FakeConfigStore({
    connections: [
      { id: 'con_AAAAAAAAAAAAAAAA', name: 'Username-Password-Authentication', strategy: 'auth0', enabled_clients: ['c1'] },
      { id: 'con_BBBBBBBBBBBBBBBB', name: 'legacy-db', strategy: 'auth0', enabled_clients: ['c1'] },
      { id: 'con_GGGGGGGGGGGGGGGG', name: 'google-oauth2', strategy: 'google-oauth2', enabled_clients: ['c1'] },
      { id: 'con_DDDDDDDDDDDDDDDD', name: 'disabled-db', strategy: 'auth0', enabled_clients: [] },
      { id: 'con_EEEEEEEEEEEEEEEE', name: 'email', strategy: 'email', enabled_clients: ['c1'] },
    ],
    roles: [
      { id: 'rol_0000000000000001', name: 'admin', description: 'Administrators' },
      { id: 'rol_0000000000000002', name: 'editor', description: 'Editors' },
      { id: 'rol_0000000000000003', name: 'viewer', description: 'Viewers' },
    ],
    organizations: [
      { id: 'org_0000000000000001', name: 'acme', display_name: 'Acme' },
      { id: 'org_0000000000000002', name: 'globex', display_name: 'Globex' },
    ],
  });
}
