import { ConfigError } from '@wabridge/config';
import { loadGatewayConfig } from './gateway.config';

const minimal = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  ADMIN_TOKEN: 'Qm9vdHN0cmFwLWFkbWluLXRva2VuLWZvci11bml0cw',
  GRAPH_API_URL: 'https://graph.facebook.com/',
  GRAPH_API_TOKEN: 'system-user-token',
  PUBLIC_URL: 'https://api.wabridge.example',
  SECRETS_KEY: `k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString('base64')}`,
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
      graphApi: {
        url: 'https://graph.facebook.com',
        version: 'v21.0',
        token: 'system-user-token',
        timeoutMs: 10000,
        mediaUrl: 'https://lookaside.fbsbx.com',
      },
      publicUrl: 'https://api.wabridge.example',
      webhookUrlPolicy: { allowHttp: false, allowCidrs: [] },
      mediaMaxBytes: 100 * 1024 * 1024,
      multiWebhookMax: 3,
      sendRateLimit: { perSecond: 80, instances: 1 },
      selfService: { deliveryTimeoutMs: 5000, testsPerMinute: 10, recoversPerHour: 5, recoverMaxWindowMs: 24 * 3_600_000 },
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

  it('downloads media from GRAPH_API_URL when it is not Meta (a simulator), or from GRAPH_MEDIA_URL', () => {
    expect(loadGatewayConfig({ ...minimal, GRAPH_API_URL: 'http://127.0.0.1:3010/' }).graphApi.mediaUrl).toBe('http://127.0.0.1:3010');
    expect(loadGatewayConfig({ ...minimal, GRAPH_MEDIA_URL: 'https://media-proxy.example/' }).graphApi.mediaUrl).toBe('https://media-proxy.example');
  });

  it('reads the multi-webhook cap and the send rate limit', () => {
    const config = loadGatewayConfig({ ...minimal, MULTI_WEBHOOK_MAX: '5', SEND_RATE_LIMIT_PER_S: '1000', GATEWAY_INSTANCES: '4' });
    expect(config.multiWebhookMax).toBe(5);
    expect(config.sendRateLimit).toEqual({ perSecond: 1000, instances: 4 });
  });

  it.each([
    ['MULTI_WEBHOOK_MAX', { MULTI_WEBHOOK_MAX: '0' }],
    ['SEND_RATE_LIMIT_PER_S', { SEND_RATE_LIMIT_PER_S: 'fast' }],
    ['GATEWAY_INSTANCES', { GATEWAY_INSTANCES: '-1' }],
    ['MEDIA_MAX_BYTES', { MEDIA_MAX_BYTES: '1.5' }],
    ['GRAPH_MEDIA_URL', { GRAPH_MEDIA_URL: 'lookaside' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: undefined }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'short-token' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'change-me-admin-token-change-me-admin' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'a'.repeat(40) }],
    ['SECRETS_KEY', { SECRETS_KEY: undefined }],
    ['SECRETS_KEY', { SECRETS_KEY: 'k1:tooshort' }],
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

  it('lets weak secrets through only when WABRIDGE_ALLOW_WEAK_SECRETS=true', () => {
    expect(problems({ ...minimal, ADMIN_TOKEN: 'admin' })).toEqual([expect.stringMatching(/^ADMIN_TOKEN: is too short/)]);
    expect(problems({ ...minimal, ADMIN_TOKEN: 'admin', WABRIDGE_ALLOW_WEAK_SECRETS: 'true' })).toEqual([]);
  });
});
