/**
 * Clone: adapt a snapshot for a restore into another tenant (docs/clone.md).
 * `parseCloneMappings` reads clone.yaml, `prepareClone` rewrites the configuration and collects
 * the keyword mappings for deploy-cli, `sampleUsers` and `scrubUser` shape the users.
 */
export { parseCloneMappings, describeSecretSource, DEPLOY_CLI_TYPES, CLONE_MAPPINGS_SCHEMA_URL } from './mappings.js';
export type { CloneMappings, RewriteRule, SecretSource, ExcludeRule, UsersMode } from './mappings.js';
export { prepareClone, MAIN_FILE } from './prepare.js';
export type { PrepareCloneResult, CloneReport, RewriteRecord, SecretResolver } from './prepare.js';
export type { Excluded } from './exclude.js';
export type { DerivedPlaceholder } from './derived.js';
export { createSecretResolver } from './secret-source.js';
export type { SecretResolverOptions } from './secret-source.js';
export { compileRewrites } from './rewrite.js';
export type { Rewriter, RewriteHit } from './rewrite.js';
export { scrubUser, scrubMembership, pseudonymizeEmail, pseudonymHex } from './scrub.js';
export type { ScrubOptions, UserRecord } from './scrub.js';
export { sampleUsers, sampleRank } from './sample.js';
export type { SampleOptions, SampleResult } from './sample.js';
