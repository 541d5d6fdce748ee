import { ConfigError } from '@wabridge/config';
import { loadMeteringConfig } from './metering.config';

describe('metering config', () => {
  const minimal = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://u:p@localhost/db', ADMIN_TOKEN: 'Qm9vdHN0cmFwLWFkbWluLXRva2VuLWZvci11bml0cw' };

  it('applies the defaults', () => {
    expect(loadMeteringConfig(minimal)).toEqual({
      kafkaBrokers: ['localhost:9092'],
      topics: expect.objectContaining({ outbound: 'whatsapp.outbound.v1', webhooks: 'whatsapp.webhooks.v1' }),
      databaseUrl: 'postgres://u:p@localhost/db',
      logLevel: 'info',
      host: '0.0.0.0',
      port: 3003,
      adminToken: minimal.ADMIN_TOKEN,
      httpRequestTimeoutMs: 30000,
      groupId: 'wabridge-metering',
      dedupeRetentionDays: 35,
      dedupeSweepIntervalMs: 300_000,
    });
  });

  it('prefixes topics and the group id, and reads the retention settings', () => {
    const config = loadMeteringConfig({
      ...minimal,
      KAFKA_TOPIC_PREFIX: 'staging.',
      METERING_DEDUPE_RETENTION_DAYS: '60',
      METERING_DEDUPE_SWEEP_INTERVAL_S: '0.5',
    });
    expect(config).toMatchObject({
      groupId: 'staging.wabridge-metering',
      topics: expect.objectContaining({ outbound: 'staging.whatsapp.outbound.v1' }),
      dedupeRetentionDays: 60,
      dedupeSweepIntervalMs: 500,
    });
    expect(loadMeteringConfig({ ...minimal, METERING_GROUP_ID: 'billing' }).groupId).toBe('billing');
  });

  it.each(['KAFKA_BROKERS', 'DATABASE_URL', 'ADMIN_TOKEN'])('requires %s', (variable) => {
    expect(() => loadMeteringConfig({ ...minimal, [variable]: undefined })).toThrow(ConfigError);
  });

  it('refuses a short or placeholder ADMIN_TOKEN', () => {
    expect(() => loadMeteringConfig({ ...minimal, ADMIN_TOKEN: 'admin' })).toThrow(/ADMIN_TOKEN: is too short/);
    expect(() => loadMeteringConfig({ ...minimal, ADMIN_TOKEN: 'change-me-admin-token-for-production!' })).toThrow(/placeholder/);
  });

  it.each([
    ['METERING_DEDUPE_RETENTION_DAYS', '0'],
    ['METERING_DEDUPE_RETENTION_DAYS', '1.5'],
    ['METERING_DEDUPE_RETENTION_DAYS', 'forever'],
    ['METERING_DEDUPE_SWEEP_INTERVAL_S', '0'],
    ['METERING_DEDUPE_SWEEP_INTERVAL_S', '-5'],
    ['METERING_DEDUPE_SWEEP_INTERVAL_S', '86401'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    expect(() => loadMeteringConfig({ ...minimal, [variable]: value })).toThrow(new RegExp(variable));
  });
});
