import { env, parseEnv } from '@wabridge/config';
import { z } from 'zod';

const schema = z.object({
  KAFKA_BROKERS: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  KAFKA_TOPIC_PARTITIONS: env.positiveInt(3),
  SECRETS_KEY: z.string().optional(),
});

/** The local stack launcher's own settings; the services validate theirs themselves. */
export interface StackConfig {
  kafkaBrokers: string | undefined;
  databaseUrl: string | undefined;
  topicPrefix: string;
  partitions: number;
  /** seals secrets stored in clear when the migrations run (docs/security.md) */
  secretsKey: string | undefined;
}

export function loadStackConfig(source: NodeJS.ProcessEnv): StackConfig {
  const parsed = parseEnv(schema, source);
  return {
    kafkaBrokers: parsed.KAFKA_BROKERS || undefined,
    databaseUrl: parsed.DATABASE_URL || undefined,
    topicPrefix: parsed.KAFKA_TOPIC_PREFIX,
    partitions: parsed.KAFKA_TOPIC_PARTITIONS,
    secretsKey: parsed.SECRETS_KEY || undefined,
  };
}
