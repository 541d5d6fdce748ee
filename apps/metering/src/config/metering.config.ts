import { env, parseEnv } from '@wabridge/config';
import { topicNames, type TopicNames } from '@wabridge/contracts';
import { z } from 'zod';

const schema = z.object({
  KAFKA_BROKERS: env.kafkaBrokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  DATABASE_URL: env.databaseUrl(),
  LOG_LEVEL: env.logLevel(),
  HOST: z.string().default('0.0.0.0'),
  METERING_PORT: env.port(3003),
  ADMIN_TOKEN: env.required(),
  METERING_GROUP_ID: z.string().trim().default(''),
});

export interface MeteringConfig {
  kafkaBrokers: string[];
  topics: TopicNames;
  databaseUrl: string;
  logLevel: string;
  host: string;
  port: number;
  adminToken: string;
  /** consumer group of every metering instance; one group shares the partitions between them */
  groupId: string;
}

export function loadMeteringConfig(source: NodeJS.ProcessEnv = process.env): MeteringConfig {
  const parsed = parseEnv(schema, source);
  return {
    kafkaBrokers: parsed.KAFKA_BROKERS,
    topics: topicNames(parsed.KAFKA_TOPIC_PREFIX),
    databaseUrl: parsed.DATABASE_URL,
    logLevel: parsed.LOG_LEVEL,
    host: parsed.HOST,
    port: parsed.METERING_PORT,
    adminToken: parsed.ADMIN_TOKEN,
    groupId: parsed.METERING_GROUP_ID || `${parsed.KAFKA_TOPIC_PREFIX}wabridge-metering`,
  };
}

export const METERING_CONFIG = Symbol('METERING_CONFIG');
