export * from './lib/constant-time';
export * from './lib/csv';
export * from './lib/is-object';
export * from './lib/ttl-cache';
