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

const withoutTrailingSlash = (value: string) => value.replace(/\/+$/, '');

/** Meta serves media bytes from this host, not from the Graph API host. */
const META_GRAPH_HOST = 'graph.facebook.com';
const META_MEDIA_URL = 'https://lookaside.fbsbx.com';

const schema = z.object({
  ...kafkaServiceEnv,
  DATABASE_URL: env.databaseUrl(),
  GATEWAY_PORT: env.port(3000),
  ADMIN_TOKEN: env.required(),
  GRAPH_API_URL: env.url().transform(withoutTrailingSlash),
  GRAPH_API_VERSION: z
    .string()
    .trim()
    .regex(/^v\d+\.\d+$/, 'must look like v21.0')
    .default('v21.0'),
  GRAPH_API_TOKEN: env.required(),
  GRAPH_API_TIMEOUT_MS: env.positiveInt(10000),
  PUBLIC_URL: env.url().transform(withoutTrailingSlash),
  ...webhookUrlPolicyEnv,
  ...secretsKeyEnv,
  GATEWAY_PUBLISH_TIMEOUT_MS: env.positiveInt(3000),
  OUTBOX_RELAY_INTERVAL_MS: env.positiveInt(1000),
  GRAPH_MEDIA_URL: env.url().transform(withoutTrailingSlash).optional(),
  MEDIA_MAX_BYTES: env.positiveInt(100 * 1024 * 1024),
  MEDIA_UPLOAD_TIMEOUT_MS: env.positiveInt(300_000),
  GATEWAY_DOCS: z.enum(['public', 'operator', 'off'], { message: 'expected public, operator or off' }).default('public'),
  MULTI_WEBHOOK_MAX: env.positiveInt(3),
  PARTNER_SLOTS_MAX: env.positiveInt(5),
  SEND_RATE_LIMIT_PER_S: env.positiveInt(80),
  PARTNER_RATE_LIMIT_PER_S: env.positiveInt(100),
  UNKNOWN_KEY_LOOKUPS_PER_S: env.positiveInt(50),
  GATEWAY_INSTANCES: env.positiveInt(1),
  DELIVERY_TIMEOUT_MS: env.positiveInt(5000),
  WEBHOOK_TEST_PER_MINUTE: env.positiveInt(10),
  RECOVER_PER_HOUR: env.positiveInt(5),
  RECOVER_MAX_WINDOW_HOURS: env.positiveInt(24),
  CONSOLE_DIR: z.string().trim().min(1).default('apps/console/dist'),
  METERING_URL: env.url().transform(withoutTrailingSlash).optional(),
  CONSOLE_HEALTH_URLS: z
    .string()
    .trim()
    .default('')
    .transform((value, context) => {
      const targets: { name: string; url: string }[] = [];
      for (const item of value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)) {
        const match = /^([a-z][a-z0-9-]{0,30})=(https?:\/\/\S+)$/.exec(item);
        if (!match) {
          context.addIssue({ code: 'custom', message: 'must be a comma-separated list of name=http(s)://host:port' });
          return z.NEVER;
        }
        targets.push({ name: match[1], url: withoutTrailingSlash(match[2]) });
      }
      return targets;
    }),
});

export interface GatewayConfig extends KafkaServiceConfig {
  databaseUrl: string;
  port: number;
  adminToken: string;
  graphApi: {
    /** base URL without a trailing slash */
    url: string;
    version: string;
    /** the system-user token every upstream call carries */
    token: string;
    timeoutMs: number;
    /**
     * where media bytes are downloaded (`/whatsapp_business/attachments/...`): Meta's lookaside host
     * when GRAPH_API_URL is Meta's, else GRAPH_API_URL itself (a simulator or a proxy serving both)
     */
    mediaUrl: string;
  };
  /** the address partners call, returned by the 360dialog-style key endpoint */
  publicUrl: string;
  webhookUrlPolicy: UrlPolicy;
  /** seals and opens signing secrets, app secrets and custom header values at rest (SECRETS_KEY) */
  secrets: SecretBox;
  /** how long a send waits for Kafka to acknowledge its outbound event */
  publishTimeoutMs: number;
  /** how often the relay looks for outbound events kept in the outbox while Kafka was down */
  outboxRelayIntervalMs: number;
  /** the largest media upload accepted (Meta's own cap is 100 MB) */
  mediaMaxBytes: number;
  /** who reads the OpenAPI document at /docs: anyone, holders of ADMIN_TOKEN, or nobody (not served) */
  docs: 'public' | 'operator' | 'off';
  /** how long a media upload may take to arrive; every other request has HTTP_REQUEST_TIMEOUT_MS */
  mediaUploadTimeoutMs: number;
  /** how many extra /multi_webhook destinations a channel may have (the primary not counted) */
  multiWebhookMax: number;
  /** the most partner slots an operator may give one channel (PATCH /admin/v1/channels/{id}) */
  partnerSlotsMax: number;
  /** requests per second per API key on every partner route (a burst of twice that) */
  partnerRateLimitPerSecond: number;
  /** database lookups per second, for the whole instance, of keys not seen valid in the last 10 minutes */
  unknownKeyLookupsPerSecond: number;
  sendRateLimit: {
    /** Meta's throughput tier of a number, summed over every gateway instance */
    perSecond: number;
    /** instances sharing that budget: each enforces perSecond / instances */
    instances: number;
  };
  /** partner self-service */
  selfService: {
    /** a test send's timeout: the router's attempt timeout (same variable), so a test tells what a delivery would */
    deliveryTimeoutMs: number;
    /** test sends per key and minute, per gateway instance */
    testsPerMinute: number;
    /** recovers per key and hour (all instances) */
    recoversPerHour: number;
    /** the longest since..until window one recover may cover */
    recoverMaxWindowMs: number;
  };
  console: {
    /** the built console (apps/console), served under /console; relative paths are from the working directory */
    dir: string;
    /** metering's base URL: the console's usage pages read its usage API server-side */
    meteringUrl: string | undefined;
    /** the services whose /health/ready and /metrics the console's health page reads */
    healthTargets: { name: string; url: string }[];
    /** cookies carry `Secure` when the console is reached over https (PUBLIC_URL) */
    secureCookies: boolean;
  };
}

function mediaUrlFor(graphApiUrl: string, configured: string | undefined): string {
  if (configured) return configured;
  return new URL(graphApiUrl).hostname === META_GRAPH_HOST ? META_MEDIA_URL : graphApiUrl;
}

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = parseEnv(schema, source, { ADMIN_TOKEN: { min: 32 } });
  return {
    ...kafkaServiceConfigOf(parsed),
    databaseUrl: parsed.DATABASE_URL,
    port: parsed.GATEWAY_PORT,
    adminToken: parsed.ADMIN_TOKEN,
    graphApi: {
      url: parsed.GRAPH_API_URL,
      version: parsed.GRAPH_API_VERSION,
      token: parsed.GRAPH_API_TOKEN,
      timeoutMs: parsed.GRAPH_API_TIMEOUT_MS,
      mediaUrl: mediaUrlFor(parsed.GRAPH_API_URL, parsed.GRAPH_MEDIA_URL),
    },
    publicUrl: parsed.PUBLIC_URL,
    webhookUrlPolicy: webhookUrlPolicyOf(parsed),
    secrets: parsed.SECRETS_KEY,
    publishTimeoutMs: parsed.GATEWAY_PUBLISH_TIMEOUT_MS,
    outboxRelayIntervalMs: parsed.OUTBOX_RELAY_INTERVAL_MS,
    mediaMaxBytes: parsed.MEDIA_MAX_BYTES,
    mediaUploadTimeoutMs: parsed.MEDIA_UPLOAD_TIMEOUT_MS,
    docs: parsed.GATEWAY_DOCS,
    multiWebhookMax: parsed.MULTI_WEBHOOK_MAX,
    partnerSlotsMax: parsed.PARTNER_SLOTS_MAX,
    partnerRateLimitPerSecond: parsed.PARTNER_RATE_LIMIT_PER_S,
    unknownKeyLookupsPerSecond: parsed.UNKNOWN_KEY_LOOKUPS_PER_S,
    sendRateLimit: { perSecond: parsed.SEND_RATE_LIMIT_PER_S, instances: parsed.GATEWAY_INSTANCES },
    selfService: {
      deliveryTimeoutMs: parsed.DELIVERY_TIMEOUT_MS,
      testsPerMinute: parsed.WEBHOOK_TEST_PER_MINUTE,
      recoversPerHour: parsed.RECOVER_PER_HOUR,
      recoverMaxWindowMs: parsed.RECOVER_MAX_WINDOW_HOURS * 3_600_000,
    },
    console: {
      dir: parsed.CONSOLE_DIR,
      meteringUrl: parsed.METERING_URL,
      healthTargets: parsed.CONSOLE_HEALTH_URLS,
      secureCookies: parsed.PUBLIC_URL.startsWith('https:'),
    },
  };
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
