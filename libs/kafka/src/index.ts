export * from './lib/kafka-client';
export * from './lib/topic-admin';
export * from './lib/batching-producer';
export * from './lib/consumer-runner';
export * from './lib/lane-consumer';
export * from './lib/kafka-probe';
export * from './lib/trace-headers';
export * from './lib/consumer-lag';
