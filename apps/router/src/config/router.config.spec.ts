import { ConfigError } from '@wabridge/config';
import { loadRouterConfig } from './router.config';

const required = {
  KAFKA_BROKERS: 'localhost:9092',
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  SECRETS_KEY: `k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString('base64')}`,
};

function configError(env: Record<string, string>): string {
  try {
    loadRouterConfig({ ...required, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadRouterConfig', () => {
  it('has the documented defaults', () => {
    const config = loadRouterConfig(required);
    expect(config).toMatchObject({
      port: 3002,
      host: '0.0.0.0',
      groupId: 'wabridge-router',
      retryGroupId: 'wabridge-router-retry',
      deliveryTimeoutMs: 5000,
      urlPolicy: { allowHttp: false, allowCidrs: [] },
      maxConcurrency: 64,
      maxConcurrencyPerDestination: 16,
    });
    expect(config.retry.scheduleMs).toEqual([5000, 60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 43_200_000]);
    expect(config.retry.windowMs).toBe(7 * 24 * 3_600_000);
    expect(config.retryTopics).toEqual(Array.from({ length: 8 }, (_, i) => `partner.deliveries.retry.v1.${i}`));
    expect(config.topics.webhooks).toBe('whatsapp.webhooks.v1');
  });

  it('applies the topic prefix to topics and the default group id', () => {
    const config = loadRouterConfig({ ...required, KAFKA_TOPIC_PREFIX: 'staging.' });
    expect(config.groupId).toBe('staging.wabridge-router');
    expect(config.topics.dead).toBe('staging.partner.deliveries.dead.v1');
    expect(config.retryTopics[0]).toBe('staging.partner.deliveries.retry.v1.0');
    expect(loadRouterConfig({ ...required, ROUTER_GROUP_ID: 'custom' }).retryGroupId).toBe('custom-retry');
  });

  it('reads the retry settings and scales them', () => {
    const config = loadRouterConfig({
      ...required,
      RETRY_WINDOW: '36h',
      RETRY_SCHEDULE: '1s, 10s,1m',
      RETRY_TIME_SCALE: '0.001',
      WEBHOOK_URL_ALLOW_HTTP: 'true',
      WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.0/8, ::1/128',
      ROUTER_MAX_CONCURRENCY: '8',
    });
    expect(config.retry.scheduleMs).toEqual([1, 10, 60]);
    expect(config.retry.windowMs).toBe(129_600);
    expect(config.retryTopics).toHaveLength(3);
    expect(config.urlPolicy).toEqual({ allowHttp: true, allowCidrs: ['127.0.0.0/8', '::1/128'] });
    expect(config.maxConcurrencyPerDestination).toBe(2);
    expect(loadRouterConfig({ ...required, RETRY_WINDOW: '3600000' }).retry.windowMs).toBe(3_600_000);
  });

  it.each([
    [{ RETRY_WINDOW: 'a week' }, 'RETRY_WINDOW'],
    [{ RETRY_WINDOW: '0s' }, 'RETRY_WINDOW'],
    [{ RETRY_SCHEDULE: '5s,often' }, 'RETRY_SCHEDULE'],
    [{ RETRY_TIME_SCALE: '0' }, 'RETRY_TIME_SCALE'],
    [{ WEBHOOK_URL_ALLOW_CIDRS: '10.0.0.0/8,intranet' }, 'WEBHOOK_URL_ALLOW_CIDRS'],
    [{ DELIVERY_TIMEOUT_MS: '-1' }, 'DELIVERY_TIMEOUT_MS'],
    [{ ROUTER_MAX_CONCURRENCY: '0' }, 'ROUTER_MAX_CONCURRENCY'],
    [{ WEBHOOK_URL_ALLOW_HTTP: 'maybe' }, 'WEBHOOK_URL_ALLOW_HTTP'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ROUTER_BREAKER_FAILURES: '0' }, 'ROUTER_BREAKER_FAILURES'],
    [{ ROUTER_BREAKER_COOLDOWN: 'soon' }, 'ROUTER_BREAKER_COOLDOWN'],
  ])('names the bad variable in %j', (env, variable) => {
    expect(configError(env)).toContain(variable);
  });

  it('reads the circuit breaker settings (not time-scaled: a cool-down is about the partner, not the schedule)', () => {
    expect(loadRouterConfig(required).breaker).toEqual({ failureThreshold: 5, coolDownMs: 30_000 });
    expect(loadRouterConfig({ ...required, ROUTER_BREAKER_FAILURES: '3', ROUTER_BREAKER_COOLDOWN: '2m', RETRY_TIME_SCALE: '0.001' }).breaker).toEqual({
      failureThreshold: 3,
      coolDownMs: 120_000,
    });
  });

  it('requires the brokers and the database', () => {
    expect(() => loadRouterConfig({})).toThrow(/KAFKA_BROKERS[\s\S]*DATABASE_URL/);
  });
});
