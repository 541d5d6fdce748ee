import { env, type KafkaServiceConfig, kafkaServiceConfigOf, kafkaServiceEnv, parseEnv } from '@wabridge/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaServiceEnv,
  INGRESS_PORT: env.port(3001),
  META_APP_SECRETS: env.list().pipe(z.array(z.string()).min(1, 'at least one app secret is required')),
  META_VERIFY_TOKEN: env.required(),
  INGRESS_PUBLISH_TIMEOUT_MS: env.positiveInt(3000),
  INGRESS_MAX_BYTES_IN_FLIGHT: env.positiveInt(64 * 1024 * 1024),
});

export interface IngressConfig extends KafkaServiceConfig {
  port: number;
  appSecrets: string[];
  verifyToken: string;
  /** how long a webhook waits for Kafka's acknowledgement before Meta gets a 503 */
  publishTimeoutMs: number;
  /** webhook bytes held at once (being read or waiting for Kafka); beyond, Meta gets a 503 and retries */
  maxBytesInFlight: number;
}

export function loadIngressConfig(source: NodeJS.ProcessEnv = process.env): IngressConfig {
  const parsed = parseEnv(schema, source, { META_APP_SECRETS: { min: 32, list: true }, META_VERIFY_TOKEN: { min: 16 } });
  return {
    ...kafkaServiceConfigOf(parsed),
    port: parsed.INGRESS_PORT,
    appSecrets: parsed.META_APP_SECRETS,
    verifyToken: parsed.META_VERIFY_TOKEN,
    publishTimeoutMs: parsed.INGRESS_PUBLISH_TIMEOUT_MS,
    maxBytesInFlight: parsed.INGRESS_MAX_BYTES_IN_FLIGHT,
  };
}

export const INGRESS_CONFIG = Symbol('INGRESS_CONFIG');
