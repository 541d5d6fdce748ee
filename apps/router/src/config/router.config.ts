import {
  env,
  type KafkaServiceConfig,
  kafkaServiceConfigOf,
  kafkaServiceEnv,
  parseEnv,
  secretsKeyEnv,
  webhookUrlPolicyEnv,
  webhookUrlPolicyOf,
} from '@wabridge/config';
import type { SecretBox, UrlPolicy } from '@wabridge/webhook-security';
import { z } from 'zod';
import { parseDuration, retryLaneTopics, retryPolicy, type RetryPolicy } from '../app/delivery/retry-policy';

const DEFAULT_SCHEDULE = '5s,1m,5m,30m,2h,5h,10h,12h';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 7d, 36h, 90m, 3600s or milliseconds' });
        return z.NEVER;
      }
      return ms;
    });

const schedule = () =>
  env.list().transform((values, ctx) => {
    const steps = (values.length > 0 ? values : DEFAULT_SCHEDULE.split(',')).map(parseDuration);
    if (steps.some((step) => step === null)) {
      ctx.addIssue({ code: 'custom', message: 'expected comma-separated durations such as 5s,1m,5m,30m,2h' });
      return z.NEVER;
    }
    return steps as number[];
  });

const schema = z.object({
  ...kafkaServiceEnv,
  DATABASE_URL: env.databaseUrl(),
  ROUTER_PORT: env.port(3002),
  ROUTER_GROUP_ID: z.string().trim().min(1, 'must not be empty').optional(),
  DELIVERY_TIMEOUT_MS: env.positiveInt(5000),
  RETRY_WINDOW: duration('7d'),
  RETRY_TIME_SCALE: env.positiveNumber(1),
  RETRY_SCHEDULE: schedule(),
  ...webhookUrlPolicyEnv,
  ...secretsKeyEnv,
  ROUTER_MAX_CONCURRENCY: env.positiveInt(64),
  ROUTER_TOPIC_PARTITIONS: env.positiveInt(6),
  ROUTER_BREAKER_FAILURES: env.positiveInt(5),
  ROUTER_BREAKER_COOLDOWN: duration('30s'),
  ROUTER_ORDERED_BUFFER: env.positiveInt(500),
});

export interface RouterConfig extends KafkaServiceConfig {
  /** one FIFO topic per retry lane, `<retry topic>.<index>` */
  retryTopics: string[];
  port: number;
  databaseUrl: string;
  /** consumer group of the first-attempt lane */
  groupId: string;
  /** consumer group of the retry lanes */
  retryGroupId: string;
  /** consumer group of the parking lane of `ordered` destinations */
  orderedGroupId: string;
  /** parked events held in memory per ordered pair; the rest is read again from Kafka when their turn comes */
  orderedBufferPerPair: number;
  /** one attempt, response headers and body included */
  deliveryTimeoutMs: number;
  retry: RetryPolicy;
  urlPolicy: UrlPolicy;
  /** opens the signing secrets, app secrets and custom header values stored sealed (SECRETS_KEY) */
  secrets: SecretBox;
  /** HTTP attempts in flight per process */
  maxConcurrency: number;
  /** HTTP attempts in flight per destination (binding): a slow partner can hold a quarter of the process at most */
  maxConcurrencyPerDestination: number;
  /** partitions of the topics this service creates when they are missing */
  topicPartitions: number;
  /** per-destination circuit breaker: consecutive failures that open it, and the cool-down before a probe */
  breaker: { failureThreshold: number; coolDownMs: number };
}

export function loadRouterConfig(source: NodeJS.ProcessEnv = process.env): RouterConfig {
  const parsed = parseEnv(schema, source);
  const base = kafkaServiceConfigOf(parsed);
  const retry = retryPolicy(parsed.RETRY_SCHEDULE, parsed.RETRY_WINDOW, parsed.RETRY_TIME_SCALE);
  const groupId = parsed.ROUTER_GROUP_ID ?? `${parsed.KAFKA_TOPIC_PREFIX}wabridge-router`;
  return {
    ...base,
    retryTopics: retryLaneTopics(base.topics.retry, retry),
    port: parsed.ROUTER_PORT,
    databaseUrl: parsed.DATABASE_URL,
    groupId,
    retryGroupId: `${groupId}-retry`,
    orderedGroupId: `${groupId}-ordered`,
    orderedBufferPerPair: parsed.ROUTER_ORDERED_BUFFER,
    deliveryTimeoutMs: parsed.DELIVERY_TIMEOUT_MS,
    retry,
    urlPolicy: webhookUrlPolicyOf(parsed),
    secrets: parsed.SECRETS_KEY,
    maxConcurrency: parsed.ROUTER_MAX_CONCURRENCY,
    maxConcurrencyPerDestination: Math.max(1, Math.floor(parsed.ROUTER_MAX_CONCURRENCY / 4)),
    topicPartitions: parsed.ROUTER_TOPIC_PARTITIONS,
    breaker: { failureThreshold: parsed.ROUTER_BREAKER_FAILURES, coolDownMs: parsed.ROUTER_BREAKER_COOLDOWN },
  };
}

export const ROUTER_CONFIG = Symbol('ROUTER_CONFIG');
