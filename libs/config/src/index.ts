export * from './lib/env';
export * from './lib/service-env';
