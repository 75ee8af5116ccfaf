/**
 * Writes schemas/manifest.schema.json from src/archive/manifest-schema.ts (the single
 * definition). src/archive/manifest.test.ts fails when the file is out of date.
 * Usage: npx tsx scripts/write-manifest-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { manifestSchemaText } from '../src/archive/manifest-schema.js';

const target = new URL('../schemas/manifest.schema.json', import.meta.url);
writeFileSync(target, manifestSchemaText());
console.log(`wrote ${target.pathname}`);
