export * from './lib/meta-signature';
export * from './lib/standard-webhooks';
export * from './lib/url-safety';
export * from './lib/secret-box';
export * from './lib/host-resolver';
