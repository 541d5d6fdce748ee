export * from './lib/attempt-result';
export * from './lib/concurrency';
export * from './lib/delivery-request';
export * from './lib/on-premise-body';
export * from './lib/partner-http.service';
