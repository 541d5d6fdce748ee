export * from './lib/topics';
export * from './lib/meta-webhook';
export * from './lib/outbound-event';
export * from './lib/delivery-event';
export * from './lib/validators';
export * from './lib/event-filter';
export * from './lib/asyncapi';
export * from './lib/meta-json';
