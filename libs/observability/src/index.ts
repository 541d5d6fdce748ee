export * from './lib/readiness';
export * from './lib/metrics';
export * from './lib/logging';
export * from './lib/observability.module';
export * from './lib/process-warnings';
export * from './lib/heap-policy';
export { METRICS_TOKEN } from './lib/metrics.controller';
export * from './lib/tracing';
export * from './lib/readiness-metric';
