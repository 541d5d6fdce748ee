import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** topic-level configs, e.g. retention.ms */
  configEntries?: { name: string; value: string }[];
}

/**
 * Every wabridge topic takes records of up to 4 MiB: Meta's webhooks may be 3 MB, and one change of
 * one becomes one record (plus headers). The broker's default, 1 MB, would refuse such a record and
 * leave Meta retrying a webhook that can never be accepted.
 */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

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
              configEntries: [
                { name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) },
                ...(spec.configEntries ?? []).filter((entry) => entry.name !== 'max.message.bytes'),
                ...(spec.configEntries ?? []).filter((entry) => entry.name === 'max.message.bytes'),
              ],
            })),
          });
        }
        const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
        const ready = metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0));
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
