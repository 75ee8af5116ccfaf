/**
 * Name → id maps for translating references between tenants (roles, organizations,
 * connections, clients, resource servers). Duplicate names are reported, not silently merged.
 */
export interface IdMap {
  byName: Map<string, string>;
  /** Names held by more than one object (the first id is kept in byName). */
  duplicates: string[];
}

export async function buildIdMap<T>(items: AsyncIterable<T>, name: (t: T) => string | undefined, id: (t: T) => string | undefined): Promise<IdMap> {
  const byName = new Map<string, string>();
  const duplicates = new Set<string>();
  for await (const item of items) {
    const n = name(item);
    const i = id(item);
    if (n === undefined || i === undefined) continue;
    if (byName.has(n)) duplicates.add(n);
    else byName.set(n, i);
  }
  return { byName, duplicates: [...duplicates] };
}
