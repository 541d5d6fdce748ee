import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** topic-level configs, e.g. retention.ms */
  configEntries?: { name: string; value: string }[];
}

const RETRIABLE = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_CONTROLLER']);

function isRetriable(error: unknown): boolean {
  const type = (error as { type?: string }).type;
  return type !== undefined && RETRIABLE.has(type);
}

/**
 * Creates the topics that are missing and waits until every one has a leader. kafkajs does not retry
 * "unknown topic" on subscribe, so services call this before they subscribe or produce.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[], deadlineMs = 30000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + deadlineMs;
  try {
    for (;;) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = specs.filter((spec) => !existing.has(spec.topic));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((spec) => ({
              topic: spec.topic,
              numPartitions: spec.numPartitions ?? 1,
              replicationFactor: -1,
              configEntries: spec.configEntries,
            })),
          });
        }
        const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
        const ready = metadata.topics.every(
          (topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0),
        );
        if (ready) return;
      } catch (error) {
        if (!isRetriable(error) && (error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
      }
      if (Date.now() > deadline) {
        throw new Error(`topics not ready within ${deadlineMs} ms: ${specs.map((s) => s.topic).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}
