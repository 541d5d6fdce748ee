export * from './lib/env';
export * from './lib/service-env';
export * from './lib/secret-strength';
