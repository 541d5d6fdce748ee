import { topicNames } from '@wabridge/contracts';
import { createKafka, ensureTopics } from '@wabridge/kafka';
import { runMigrations } from '@wabridge/persistence';

/** Migrations plus topics: what must exist before any service starts. Returns the migrations applied. */
export async function prepareStack(
  databaseUrl: string,
  kafkaBrokers: string,
  options: { topicPrefix: string; partitions: number },
): Promise<string[]> {
  const applied = await runMigrations(databaseUrl);
  await ensureTopics(
    createKafka({ brokers: kafkaBrokers.split(','), clientId: 'wabridge-prepare' }),
    Object.values(topicNames(options.topicPrefix)).map((topic) => ({ topic, numPartitions: options.partitions })),
  );
  return applied;
}
