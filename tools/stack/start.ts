// `npm start`: a complete local wabridge stack on one machine. Uses KAFKA_BROKERS / DATABASE_URL when set,
// otherwise starts a KRaft Kafka broker (Maven Central jars) and an embedded PostgreSQL; applies migrations,
// creates topics, starts every service and the Meta simulator, seeds a demo client/channel/key and prints how
// to use them. Ctrl-C stops everything it started.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createDatabase,
  prepareStack,
  repoRoot,
  ServiceProcess,
  startEmbeddedPostgres,
  startKafka,
  type KafkaBroker,
  type Postgres,
  type ServiceName,
} from '@wabridge/local-infra';
import { silenceKnownWarnings } from '@wabridge/observability';
import { seedDemo } from './seed';
import { loadStackConfig } from './stack.config';

const say = (message: string) => process.stdout.write(`${message}\n`);

const DEFAULT_PORTS: Record<ServiceName, number> = {
  gateway: 3000,
  ingress: 3001,
  router: 3002,
  metering: 3003,
  'wa-sim': 3010,
};

const PORT_VARIABLE: Record<ServiceName, string> = {
  gateway: 'GATEWAY_PORT',
  ingress: 'INGRESS_PORT',
  router: 'ROUTER_PORT',
  metering: 'METERING_PORT',
  'wa-sim': 'WA_SIM_PORT',
};

async function main(): Promise<void> {
  silenceKnownWarnings();
  const config = loadStackConfig(process.env);
  const given = (name: string) => process.env[name];
  const started: { kafka?: KafkaBroker; postgres?: Postgres; services: ServiceProcess[] } = { services: [] };
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping wabridge...');
    await Promise.allSettled(started.services.map((service) => service.stop()));
    await Promise.allSettled([started.kafka?.stop(), started.postgres?.stop()]);
    say('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    let kafkaBrokers = config.kafkaBrokers;
    if (!kafkaBrokers) {
      started.kafka = await startKafka({ log: say, profile: 'throughput' });
      kafkaBrokers = started.kafka.brokers.join(',');
    }
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      started.postgres = await startEmbeddedPostgres({ log: say });
      databaseUrl = await createDatabase(started.postgres.url, 'wabridge');
    }
    // generated once per start unless given; printed below so the operator can use them
    const secrets = {
      SECRETS_KEY: given('SECRETS_KEY') ?? `local:${randomBytes(32).toString('base64')}`,
      ADMIN_TOKEN: given('ADMIN_TOKEN') ?? randomBytes(24).toString('base64url'),
      META_APP_SECRETS: given('META_APP_SECRETS') ?? randomBytes(24).toString('base64url'),
      META_VERIFY_TOKEN: given('META_VERIFY_TOKEN') ?? randomBytes(12).toString('base64url'),
      GRAPH_API_TOKEN: given('GRAPH_API_TOKEN') ?? randomBytes(24).toString('base64url'),
    };
    await prepareStack(databaseUrl, kafkaBrokers, { ...config, secretsKey: secrets.SECRETS_KEY });
    const ports = Object.fromEntries(
      (Object.keys(DEFAULT_PORTS) as ServiceName[]).map((name) => [name, Number(given(PORT_VARIABLE[name]) ?? DEFAULT_PORTS[name])]),
    ) as Record<ServiceName, number>;
    const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
    const defaults: Record<string, string> = {
      KAFKA_BROKERS: kafkaBrokers,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ...secrets,
      GRAPH_API_URL: url('wa-sim'),
      GRAPH_API_VERSION: 'v21.0',
      PUBLIC_URL: url('gateway'),
      WEBHOOK_URL_ALLOW_HTTP: 'true',
      WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.0/8',
      WA_SIM_INGRESS_URL: `${url('ingress')}/webhooks/whatsapp`,
      META_APP_SECRET: secrets.META_APP_SECRETS.split(',')[0],
    };
    // values given in the environment always win over the local defaults
    const env: Record<string, string> = { ...defaults };
    for (const name of Object.keys(defaults)) {
      const value = given(name);
      if (value !== undefined && value !== '') env[name] = value;
    }
    const logDir = join(repoRoot(), 'tmp', 'stack-logs');
    mkdirSync(logDir, { recursive: true });
    for (const name of Object.keys(DEFAULT_PORTS) as ServiceName[]) {
      started.services.push(new ServiceProcess(name, ports[name], env, join(logDir, `${name}.log`)));
    }
    await Promise.all(started.services.map((service) => service.start()));

    const demo = await seedDemo(url('gateway'), env.ADMIN_TOKEN);
    say('');
    say('wabridge is running');
    for (const name of Object.keys(DEFAULT_PORTS) as ServiceName[]) say(`  ${name.padEnd(9)} ${url(name)}`);
    say(`  kafka     ${kafkaBrokers}`);
    say(`  postgres  ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    say(`  logs      ${logDir}`);
    say('');
    say('secrets (generated for this run unless set in the environment; shown once):');
    say(`  ADMIN_TOKEN=${env.ADMIN_TOKEN}`);
    say(`  META_APP_SECRETS=${env.META_APP_SECRETS}`);
    say(`  META_VERIFY_TOKEN=${env.META_VERIFY_TOKEN}`);
    say(`  SECRETS_KEY=${env.SECRETS_KEY}`);
    say('');
    say(`demo client ${demo.clientId}, channel ${demo.channelId} (phone_number_id ${demo.phoneNumberId})`);
    say(`demo API key (D360-API-KEY): ${demo.apiKey}`);
    say('');
    say('try it:');
    say(`  curl -s -X POST ${url('gateway')}/v1/configs/webhook -H 'D360-API-KEY: ${demo.apiKey}' -H 'content-type: application/json' -d '{"url":"http://127.0.0.1:8080/hook"}'`);
    say(`  curl -s -X POST ${url('wa-sim')}/sim/inbound -H 'content-type: application/json' -d '{"phone_number_id":"${demo.phoneNumberId}","from":"15550001111","text":"hello"}'`);
    say('');
    say('Ctrl-C stops everything.');
  } catch (error) {
    process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
    await stop(1);
  }
}

void main();
