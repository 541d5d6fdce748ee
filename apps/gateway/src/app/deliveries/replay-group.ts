/**
 * The name of the throw-away consumer group one replay or recover read uses, before its random
 * suffix: the deployment's topic prefix first (KAFKA_TOPIC_PREFIX), so these groups are as isolated
 * as the topics. `topic` is the deployment's name of the contract topic `contractTopic`.
 */
export function replayGroupPrefix(topic: string, contractTopic: string): string {
  return `${topic.slice(0, topic.length - contractTopic.length)}wabridge-gateway-replay-`;
}
