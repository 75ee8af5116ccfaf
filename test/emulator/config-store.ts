/**
 * The in-memory configuration store (implements `ConfigStore` from contract.ts plus the
 * mutations the resource routes need). Collections keep creation order and give every record
 * a sequence number, which is what checkpoint cursors point at (stable across deletes).
 * Child records (an organization's discovery domains, a role's permissions, …) carry their
 * parent's id and are removed with it. Singletons (tenant settings, branding, …) are plain
 * objects by key; an absent singleton is "unset" (routes answer 404 where Auth0 does).
 */
import type { ConfigStore, Rec } from './contract.js';

interface Entry {
  seq: number;
  id: string;
  parent?: string;
  rec: Rec;
}

export class MemoryConfigStore implements ConfigStore {
  private readonly collections = new Map<string, Map<string, Entry>>();
  private readonly idFields = new Map<string, string>();
  private readonly singletons = new Map<string, unknown>();
  private readonly listeners: ((type: string, id: string) => void)[] = [];
  private seq = 0;

  /** Declares a type's id field (`id` unless declared; `client_id` for clients, …). */
  defineType(type: string, idField: string): void {
    this.idFields.set(type, idField);
  }

  idField(type: string): string {
    return this.idFields.get(type) ?? 'id';
  }

  private coll(type: string): Map<string, Entry> {
    let c = this.collections.get(type);
    if (!c) {
      c = new Map();
      this.collections.set(type, c);
    }
    return c;
  }

  list(type: string): readonly Rec[] {
    return [...this.coll(type).values()].map((e) => e.rec);
  }

  /** Records of a child type under one parent, in creation order, with their sequence numbers. */
  entries(type: string, parent?: string): readonly { seq: number; rec: Rec }[] {
    const out: { seq: number; rec: Rec }[] = [];
    for (const e of this.coll(type).values()) {
      if (parent === undefined || e.parent === parent) out.push({ seq: e.seq, rec: e.rec });
    }
    return out;
  }

  get(type: string, id: string): Rec | undefined {
    return this.coll(type).get(id)?.rec;
  }

  /** A child record: only when it belongs to `parent`. */
  getChild(type: string, parent: string, id: string): Rec | undefined {
    const e = this.coll(type).get(childKey(parent, id));
    return e?.rec;
  }

  findBy(type: string, field: string, value: unknown): Rec | undefined {
    for (const e of this.coll(type).values()) if (e.rec[field] === value) return e.rec;
    return undefined;
  }

  onDelete(listener: (type: string, id: string) => void): void {
    this.listeners.push(listener);
  }

  /** Adds a record (its id field must be set). Returns the stored record. */
  insert(type: string, rec: Rec, parent?: string): Rec {
    const id = String(rec[this.idField(type)]);
    const key = parent === undefined ? id : childKey(parent, id);
    this.coll(type).set(key, { seq: ++this.seq, id, parent, rec });
    return rec;
  }

  /** Replaces a record in place (keeps its position and sequence number). */
  replace(type: string, id: string, rec: Rec, parent?: string): Rec {
    const key = parent === undefined ? id : childKey(parent, id);
    const entry = this.coll(type).get(key);
    if (!entry) return this.insert(type, rec, parent);
    entry.rec = rec;
    return rec;
  }

  /** Removes a record and everything whose parent it was; notifies listeners. */
  remove(type: string, id: string, parent?: string): boolean {
    const key = parent === undefined ? id : childKey(parent, id);
    const removed = this.coll(type).delete(key);
    if (!removed) return false;
    if (parent === undefined) {
      for (const [childType, c] of this.collections) {
        for (const [k, e] of c) if (e.parent === id && childType !== type) c.delete(k);
      }
    }
    for (const l of this.listeners) l(type, id);
    return true;
  }

  /** Removes every child of a type under one parent (e.g. replace-all bindings). */
  removeChildren(type: string, parent: string): void {
    const c = this.coll(type);
    for (const [k, e] of c) if (e.parent === parent) c.delete(k);
  }

  getSingleton<T = Rec>(key: string): T | undefined {
    return this.singletons.get(key) as T | undefined;
  }

  setSingleton(key: string, value: unknown): void {
    this.singletons.set(key, value);
  }

  deleteSingleton(key: string): void {
    this.singletons.delete(key);
  }

  /** Everything, for the admin state dump: collections by type, children with their parent. */
  snapshot(): { collections: Record<string, { parent?: string; rec: Rec }[]>; singletons: Record<string, unknown> } {
    const collections: Record<string, { parent?: string; rec: Rec }[]> = {};
    for (const [type, c] of this.collections) {
      if (c.size === 0) continue;
      collections[type] = [...c.values()].map((e) => (e.parent === undefined ? { rec: e.rec } : { parent: e.parent, rec: e.rec }));
    }
    return { collections, singletons: Object.fromEntries(this.singletons) };
  }

  clear(): void {
    this.collections.clear();
    this.singletons.clear();
  }
}

function childKey(parent: string, id: string): string {
  return `${parent}\u0000${id}`;
}
