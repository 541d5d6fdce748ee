import { ConfigError } from '@wabridge/config';
import { loadGatewayConfig } from './gateway.config';

const minimal = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  ADMIN_TOKEN: 'admin-token',
  GRAPH_API_URL: 'https://graph.facebook.com/',
  GRAPH_API_TOKEN: 'system-user-token',
  PUBLIC_URL: 'https://api.wabridge.example',
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('gateway config', () => {
  it('applies the defaults', () => {
    const config = loadGatewayConfig(minimal);
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      graphApi: { url: 'https://graph.facebook.com', version: 'v21.0', token: 'system-user-token', timeoutMs: 10000 },
      publicUrl: 'https://api.wabridge.example',
      webhookUrlPolicy: { allowHttp: false, allowCidrs: [] },
    });
    expect(config.topics.outbound).toBe('whatsapp.outbound.v1');
  });

  it('reads the dev relaxations and the topic prefix', () => {
    const config = loadGatewayConfig({
      ...minimal,
      KAFKA_TOPIC_PREFIX: 'dev.',
      WEBHOOK_URL_ALLOW_HTTP: 'true',
      WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.0/8, ::1/128',
      GATEWAY_PORT: '4000',
    });
    expect(config.webhookUrlPolicy).toEqual({ allowHttp: true, allowCidrs: ['127.0.0.0/8', '::1/128'] });
    expect(config.topics.outbound).toBe('dev.whatsapp.outbound.v1');
    expect(config.port).toBe(4000);
  });

  it.each([
    ['ADMIN_TOKEN', { ADMIN_TOKEN: undefined }],
    ['GRAPH_API_TOKEN', { GRAPH_API_TOKEN: '' }],
    ['GRAPH_API_URL', { GRAPH_API_URL: 'graph.facebook.com' }],
    ['PUBLIC_URL', { PUBLIC_URL: undefined }],
    ['GRAPH_API_VERSION', { GRAPH_API_VERSION: '21' }],
    ['GRAPH_API_TIMEOUT_MS', { GRAPH_API_TIMEOUT_MS: '-5' }],
    ['WEBHOOK_URL_ALLOW_CIDRS', { WEBHOOK_URL_ALLOW_CIDRS: '10.0.0.0' }],
    ['WEBHOOK_URL_ALLOW_HTTP', { WEBHOOK_URL_ALLOW_HTTP: 'maybe' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
  ])('names %s when it is missing or invalid', (variable, override) => {
    expect(problems({ ...minimal, ...override }).join('\n')).toContain(variable);
  });
});
