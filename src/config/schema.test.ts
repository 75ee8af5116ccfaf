import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema, configSchemaText } from './schema.js';
import type { A0vaultConfig, Budgets, KeepRules, LocationObject, RetentionConfig, TenantEntry } from './types.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
interface ObjectSchema {
  properties: Record<string, unknown>;
  required: readonly string[];
}
type Agrees<T, S extends ObjectSchema> = [Equal<keyof T, keyof S['properties']>, Equal<RequiredKeys<T>, S['required'][number]>] extends [true, true] ? true : false;
type Defs = typeof configSchema.$defs;
const agreement: Record<string, true> = {
  config: true satisfies Agrees<A0vaultConfig, typeof configSchema>,
  location: true satisfies Agrees<LocationObject, Defs['location']>,
  tenant: true satisfies Agrees<TenantEntry, Defs['tenant']>,
  budgets: true satisfies Agrees<Budgets, Defs['budgets']>,
  retention: true satisfies Agrees<RetentionConfig, Defs['retention']>,
  keep: true satisfies Agrees<KeepRules, Defs['keep']>,
};

describe('config schema', () => {
  it('schemas/config.schema.json is generated from src/config/schema.ts (run npx tsx scripts/write-config-schema.ts)', () => {
    const file = readFileSync(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8');
    expect(file).toBe(configSchemaText());
  });

  it('declares the same keys as the TypeScript types (checked by tsc)', () => {
    expect(Object.keys(agreement)).toHaveLength(6);
  });

  it('refuses unknown keys at every object level', () => {
    const objects = [configSchema, ...Object.values(configSchema.$defs)].filter((s) => 'properties' in s);
    for (const s of objects) expect((s as { additionalProperties?: unknown }).additionalProperties).toBe(false);
  });
});
