import { topicNames, type TopicNames } from '@wabridge/contracts';
import { SecretBox } from '@wabridge/webhook-security';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { env } from './env';

/** The variables every Kafka-connected service reads (README, Configuration), as a zod shape to spread into its schema. */
export const kafkaServiceEnv = {
  KAFKA_BROKERS: env.kafkaBrokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  LOG_LEVEL: env.logLevel(),
  HOST: env.host(),
  HTTP_REQUEST_TIMEOUT_MS: env.positiveInt(30_000),
  METRICS_TOKEN: z.string().trim().min(32, 'must be at least 32 characters').optional(),
};

/** The dev/test relaxations of the webhook URL safety rules, shared by the gateway and the router. */
export const webhookUrlPolicyEnv = {
  WEBHOOK_URL_ALLOW_HTTP: env.boolean(false),
  WEBHOOK_URL_ALLOW_CIDRS: env.list().pipe(z.array(z.string().refine((cidr) => ipaddr.isValidCIDR(cidr), 'each entry must be a CIDR such as 10.0.0.0/8'))),
};

export interface WebhookUrlPolicyConfig {
  allowHttp: boolean;
  allowCidrs: string[];
}

export function webhookUrlPolicyOf(parsed: { WEBHOOK_URL_ALLOW_HTTP: boolean; WEBHOOK_URL_ALLOW_CIDRS: string[] }): WebhookUrlPolicyConfig {
  return { allowHttp: parsed.WEBHOOK_URL_ALLOW_HTTP, allowCidrs: parsed.WEBHOOK_URL_ALLOW_CIDRS };
}

/** What kafkaServiceEnv parses into, as every service's config carries it. */
export interface KafkaServiceConfig {
  kafkaBrokers: string[];
  /** the contract topic names behind KAFKA_TOPIC_PREFIX */
  topics: TopicNames;
  logLevel: string;
  host: string;
  /** how long a client may take to send a whole request (headers and body), see httpServerTimeouts */
  httpRequestTimeoutMs: number;
  /** when set, /metrics needs `Authorization: Bearer <METRICS_TOKEN>` */
  metricsToken?: string;
}

export function kafkaServiceConfigOf(parsed: {
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  LOG_LEVEL: string;
  HOST: string;
  HTTP_REQUEST_TIMEOUT_MS: number;
  METRICS_TOKEN?: string;
}): KafkaServiceConfig {
  return {
    kafkaBrokers: parsed.KAFKA_BROKERS,
    topics: topicNames(parsed.KAFKA_TOPIC_PREFIX),
    logLevel: parsed.LOG_LEVEL,
    host: parsed.HOST,
    httpRequestTimeoutMs: parsed.HTTP_REQUEST_TIMEOUT_MS,
    ...(parsed.METRICS_TOKEN ? { metricsToken: parsed.METRICS_TOKEN } : {}),
  };
}

/**
 * Every server's timeouts: a client has `requestTimeoutMs` to send a whole request and a tenth of it
 * (1-10 s) for the headers, checked every second; an idle connection is closed after 72 s (above
 * common load balancers' 60 s, so they close first). Slow bodies and idle sockets cannot hold a
 * server's connections for ever. Spread into FastifyAdapter's options; `http` alone suits node:http.
 */
export function httpServerTimeouts(requestTimeoutMs: number): {
  requestTimeout: number;
  connectionTimeout: number;
  keepAliveTimeout: number;
  http: { requestTimeout: number; headersTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number };
} {
  const headersTimeout = Math.min(10_000, Math.max(1000, Math.floor(requestTimeoutMs / 10)));
  const keepAliveTimeout = 72_000;
  return {
    requestTimeout: requestTimeoutMs,
    connectionTimeout: keepAliveTimeout,
    keepAliveTimeout,
    http: { requestTimeout: requestTimeoutMs, headersTimeout, keepAliveTimeout, connectionsCheckingInterval: 1000 },
  };
}

/**
 * SECRETS_KEY: the key(s) that seal secrets at rest, `id:base64key[,id2:base64key2…]` — the first
 * seals, every one listed opens (docs/security.md). Required by the gateway and the router.
 */
export const secretsKeyEnv = {
  SECRETS_KEY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return SecretBox.fromEnv(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
};
