import { topicNames } from '@wabridge/contracts';
import { createKafka, ensureTopics, type TopicSpec } from '@wabridge/kafka';
import { runMigrations } from '@wabridge/persistence';
import { SecretBox } from '@wabridge/webhook-security';

/**
 * Topics whose records must outlive the 7-day retry window (a router or metering outage of up to a week loses
 * nothing): 8 days instead of the broker's default 7 (docs/operations.md#kafka-in-production).
 */
const EIGHT_DAYS_MS = String(8 * 24 * 3600 * 1000);
const LONG_LIVED: (keyof ReturnType<typeof topicNames>)[] = ['webhooks', 'outbound', 'ordered'];

/** Every topic of a stack, as wabridge creates it. */
export function stackTopics(topicPrefix: string, partitions: number): TopicSpec[] {
  return Object.entries(topicNames(topicPrefix)).map(([name, topic]) => ({
    topic,
    numPartitions: partitions,
    configEntries: LONG_LIVED.includes(name as (typeof LONG_LIVED)[number]) ? [{ name: 'retention.ms', value: EIGHT_DAYS_MS }] : [],
  }));
}

/** Migrations plus topics: what must exist before any service starts. Returns the migrations applied. */
export async function prepareStack(
  databaseUrl: string,
  kafkaBrokers: string,
  options: { topicPrefix: string; partitions: number; secretsKey?: string },
): Promise<string[]> {
  const applied = await runMigrations(databaseUrl, {
    secrets: options.secretsKey ? SecretBox.fromEnv(options.secretsKey) : undefined,
  });
  await ensureTopics(createKafka({ brokers: kafkaBrokers.split(','), clientId: 'wabridge-prepare' }), stackTopics(options.topicPrefix, options.partitions));
  return applied;
}
