import { z } from 'zod';
import { ConfigError, env, parseEnv } from './env';

const schema = z.object({
  KAFKA_BROKERS: env.kafkaBrokers(),
  PORT: env.port(3000),
  ALLOW: env.boolean(false),
  LIST: env.list(),
});

describe('parseEnv', () => {
  it('parses and applies defaults', () => {
    const config = parseEnv(schema, { KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093' });
    expect(config).toEqual({
      KAFKA_BROKERS: ['127.0.0.1:9092', '127.0.0.1:9093'],
      PORT: 3000,
      ALLOW: false,
      LIST: [],
    });
  });

  it('names every bad variable', () => {
    expect(() => parseEnv(schema, { KAFKA_BROKERS: 'nope', PORT: 'x', ALLOW: 'maybe' })).toThrow(ConfigError);
    try {
      parseEnv(schema, { KAFKA_BROKERS: 'nope', PORT: 'x', ALLOW: 'maybe' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('KAFKA_BROKERS');
      expect(message).toContain('PORT');
      expect(message).toContain('ALLOW');
    }
  });

  it('requires KAFKA_BROKERS', () => {
    expect(() => parseEnv(schema, {})).toThrow(/KAFKA_BROKERS/);
  });
});
