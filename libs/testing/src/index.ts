export * from './lib/wait-for';
export * from './lib/partner-server';
export * from './lib/meta-fixtures';
export { ServiceProcess, PORT_VARIABLE, serviceLogDir as testLogDir, type ServiceName } from '@wabridge/local-infra';
export * from './lib/test-infra';
export * from './lib/test-stack';
export * from './lib/operator-client';
export * from './lib/topic-collector';
export * from './lib/otlp-receiver';
