import { env, type KafkaServiceConfig, kafkaServiceConfigOf, kafkaServiceEnv, parseEnv } from '@wabridge/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaServiceEnv,
  DATABASE_URL: env.databaseUrl(),
  METERING_PORT: env.port(3003),
  ADMIN_TOKEN: env.required(),
  METERING_GROUP_ID: z.string().trim().default(''),
  METERING_DEDUPE_RETENTION_DAYS: env.positiveInt(35),
  // at most a day: a timer longer than 2^31 ms would fire at once, in a loop
  METERING_DEDUPE_SWEEP_INTERVAL_S: z.coerce.number().positive().max(86_400).default(300),
});

export interface MeteringConfig extends KafkaServiceConfig {
  databaseUrl: string;
  port: number;
  adminToken: string;
  /** consumer group of every metering instance; one group shares the partitions between them */
  groupId: string;
  /** how long a counted (kind, wamid) stays in metering_dedupe: a duplicate arriving later would count again */
  dedupeRetentionDays: number;
  /** how often an instance tries to sweep expired dedupe keys (one instance at a time does it) */
  dedupeSweepIntervalMs: number;
}

export function loadMeteringConfig(source: NodeJS.ProcessEnv = process.env): MeteringConfig {
  const parsed = parseEnv(schema, source, { ADMIN_TOKEN: { min: 32 } });
  return {
    ...kafkaServiceConfigOf(parsed),
    databaseUrl: parsed.DATABASE_URL,
    port: parsed.METERING_PORT,
    adminToken: parsed.ADMIN_TOKEN,
    groupId: parsed.METERING_GROUP_ID || `${parsed.KAFKA_TOPIC_PREFIX}wabridge-metering`,
    dedupeRetentionDays: parsed.METERING_DEDUPE_RETENTION_DAYS,
    dedupeSweepIntervalMs: Math.round(parsed.METERING_DEDUPE_SWEEP_INTERVAL_S * 1000),
  };
}

export const METERING_CONFIG = Symbol('METERING_CONFIG');
