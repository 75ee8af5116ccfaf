export * from './errors.js';
export * from './exit-codes.js';
export * from './abort.js';
export * from './progress.js';
