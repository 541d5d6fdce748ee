import { topicNames } from '@wabridge/contracts';
import { createKafka, ensureTopics } from '@wabridge/kafka';
import { runMigrations } from '@wabridge/persistence';
import { SecretBox } from '@wabridge/webhook-security';

/** Migrations plus topics: what must exist before any service starts. Returns the migrations applied. */
export async function prepareStack(
  databaseUrl: string,
  kafkaBrokers: string,
  options: { topicPrefix: string; partitions: number; secretsKey?: string },
): Promise<string[]> {
  const applied = await runMigrations(databaseUrl, {
    secrets: options.secretsKey ? SecretBox.fromEnv(options.secretsKey) : undefined,
  });
  await ensureTopics(
    createKafka({ brokers: kafkaBrokers.split(','), clientId: 'wabridge-prepare' }),
    Object.values(topicNames(options.topicPrefix)).map((topic) => ({ topic, numPartitions: options.partitions })),
  );
  return applied;
}
