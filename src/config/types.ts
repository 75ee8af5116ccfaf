/**
 * The configuration file as TypeScript types. They mirror ./schema.ts (the single definition);
 * src/config/schema.test.ts makes tsc check that both declare the same keys.
 */

/** An inline string, or where to read it from. */
export type ValueSource = string | { env: string } | { file: string } | { value: string };

export interface LocationObject {
  url: string;
  gcsEndpoint?: string;
}

export type LocationEntry = string | LocationObject;

export interface TenantEntry {
  domain: string;
  clientId?: ValueSource;
  clientSecret?: ValueSource;
  accessToken?: ValueSource;
}

export interface Budgets {
  apiBudget?: number;
  maxRps?: number;
  maxDeletes?: number;
}

export type KeepCount = number | 'unlimited';

export interface KeepRules {
  'keep-last'?: KeepCount;
  'keep-hourly'?: KeepCount;
  'keep-daily'?: KeepCount;
  'keep-weekly'?: KeepCount;
  'keep-monthly'?: KeepCount;
  'keep-yearly'?: KeepCount;
}

export interface RetentionConfig {
  default?: KeepRules;
  locations?: Record<string, KeepRules>;
  tenants?: Record<string, KeepRules>;
}

export interface A0vaultConfig {
  version?: 1;
  locations?: Record<string, LocationEntry>;
  tenants?: TenantEntry[];
  budgets?: Budgets;
  retention?: RetentionConfig;
  mappings?: Record<string, string>;
}
