/**
 * Writes schemas/config.schema.json from src/config/schema.ts (the single definition).
 * src/config/schema.test.ts fails when the file is out of date.
 * Usage: npx tsx scripts/write-config-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { configSchemaText } from '../src/config/schema.js';

const target = new URL('../schemas/config.schema.json', import.meta.url);
writeFileSync(target, configSchemaText());
console.log(`wrote ${target.pathname}`);
