import { env, parseEnv } from '@wabridge/config';
import { z } from 'zod';

const schema = z.object({
  LOG_LEVEL: env.logLevel(),
  HOST: env.host(),
  WA_SIM_PORT: env.port(3010),
  GRAPH_API_TOKEN: env.required(),
  WA_SIM_INGRESS_URL: env.url().default('http://127.0.0.1:3001/webhooks/whatsapp'),
  META_APP_SECRET: env.required(),
  WA_SIM_AUTO_STATUSES: env.boolean(true),
  WA_SIM_STATUS_DELAY_MS: z.coerce.number().int().min(0).default(5),
  WA_SIM_WABA_ID: env.required().default('sim-waba'),
});

export interface WaSimConfig {
  logLevel: string;
  host: string;
  port: number;
  /** the system-user token the simulated Graph API expects from the gateway */
  graphApiToken: string;
  /** where simulated webhooks are POSTed (ingress) */
  ingressUrl: string;
  /** signs X-Hub-Signature-256 like Meta does */
  appSecret: string;
  /** emit sent, delivered and read statuses after every accepted send */
  autoStatuses: boolean;
  /** pause between two status webhooks of one message */
  statusDelayMs: number;
  wabaId: string;
}

export function loadWaSimConfig(source: NodeJS.ProcessEnv = process.env): WaSimConfig {
  const parsed = parseEnv(schema, source);
  return {
    logLevel: parsed.LOG_LEVEL,
    host: parsed.HOST,
    port: parsed.WA_SIM_PORT,
    graphApiToken: parsed.GRAPH_API_TOKEN,
    ingressUrl: parsed.WA_SIM_INGRESS_URL,
    appSecret: parsed.META_APP_SECRET,
    autoStatuses: parsed.WA_SIM_AUTO_STATUSES,
    statusDelayMs: parsed.WA_SIM_STATUS_DELAY_MS,
    wabaId: parsed.WA_SIM_WABA_ID,
  };
}

export const WA_SIM_CONFIG = Symbol('WA_SIM_CONFIG');
