// `npm start`: a complete local wabridge stack on one machine. Uses KAFKA_BROKERS / DATABASE_URL when set,
// otherwise starts a KRaft Kafka broker (Maven Central jars) and an embedded PostgreSQL (durable) whose data live in
// the data directory (`.data/`, or WABRIDGE_DATA_DIR) and survive restarts; `npm start -- --fresh` starts afresh.
// Applies migrations, creates topics, starts every service and the Meta simulator under supervision (a crashed one is
// restarted with back-off), seeds a demo client/channel/key once and prints how to use them. Ctrl-C stops everything
// it started.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ensureConsoleBuilt,
  ensureDatabase,
  prepareStack,
  repoRoot,
  ServiceProcess,
  startEmbeddedPostgres,
  startKafka,
  SupervisedService,
  type KafkaBroker,
  type Postgres,
  type ServiceName,
} from '@wabridge/local-infra';
import { silenceKnownWarnings } from '@wabridge/observability';
import { seedConsoleDemo } from './console-demo';
import { seedDemo, type Demo } from './seed';
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

const USAGE = `usage: npm start [-- --fresh]
  --fresh   delete the data directory first (every client, key, binding, usage count and queued event)
data directory: WABRIDGE_DATA_DIR, default <repo>/.data`;

/** A JSON file in the data directory, readable by this user only (it holds secrets). */
function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/** The demo seeded by an earlier run, if its key still works. */
async function previousDemo(file: string, gatewayUrl: string): Promise<Demo | undefined> {
  const demo = readJson<Demo>(file);
  if (!demo?.apiKey) return undefined;
  const response = await fetch(`${gatewayUrl}/v1/configs/webhook`, { headers: { 'D360-API-KEY': demo.apiKey } });
  return response.status === 401 || response.status === 403 ? undefined : demo;
}

async function main(): Promise<void> {
  silenceKnownWarnings();
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === '--help' || arg === '-h')) {
    say(USAGE);
    return;
  }
  const unknown = args.filter((arg) => arg !== '--fresh');
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown[0]}\n${USAGE}\n`);
    process.exit(2);
  }
  const config = loadStackConfig(process.env);
  const given = (name: string) => process.env[name];
  const dataDir = resolve(given('WABRIDGE_DATA_DIR') || join(repoRoot(), '.data'));
  if (args.includes('--fresh') && existsSync(dataDir)) {
    say(`--fresh: deleting ${dataDir}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  // others may pass through (run as root, PostgreSQL runs as the `postgres` user and needs to reach its own folder)
  // but not list it; the files holding secrets are the owner's only
  chmodSync(dataDir, 0o711);
  const started: { kafka?: KafkaBroker; postgres?: Postgres; services: SupervisedService[] } = { services: [] };
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping wabridge...');
    // services first (they flush what they hold to Kafka and PostgreSQL), then the infrastructure
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
      started.kafka = await startKafka({ log: say, profile: 'throughput', dataDir: join(dataDir, 'kafka') });
      kafkaBrokers = started.kafka.brokers.join(',');
    }
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      started.postgres = await startEmbeddedPostgres({ log: say, dataDir: join(dataDir, 'postgres'), durable: true });
      databaseUrl = await ensureDatabase(started.postgres.url, 'wabridge');
    }
    // generated on the first start unless given, kept in the data directory (so tokens and signatures stay valid
    // across restarts) and printed below so the operator can use them
    const secretsFile = join(dataDir, 'secrets.json');
    const generated = readJson<Record<string, string>>(secretsFile) ?? {};
    const secret = (name: string, bytes: number) => given(name) || (generated[name] ??= randomBytes(bytes).toString('base64url'));
    const secrets = {
      // key id and 32 random bytes: seals secrets at rest (docs/security.md)
      SECRETS_KEY: given('SECRETS_KEY') || (generated.SECRETS_KEY ??= `local:${randomBytes(32).toString('base64url')}`),
      ADMIN_TOKEN: secret('ADMIN_TOKEN', 24),
      META_APP_SECRETS: secret('META_APP_SECRETS', 24),
      META_VERIFY_TOKEN: secret('META_VERIFY_TOKEN', 12),
      GRAPH_API_TOKEN: secret('GRAPH_API_TOKEN', 24),
    };
    writeJson(secretsFile, generated);
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
      // the web console's usage and health pages (docs/console.md)
      METERING_URL: url('metering'),
      CONSOLE_HEALTH_URLS: (['ingress', 'router', 'metering'] as const).map((name) => `${name}=${url(name)}`).join(','),
    };
    // values given in the environment always win over the local defaults
    const env: Record<string, string> = { ...defaults };
    for (const name of Object.keys(defaults)) {
      const value = given(name);
      if (value !== undefined && value !== '') env[name] = value;
    }
    const logDir = join(dataDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    for (const name of Object.keys(DEFAULT_PORTS) as ServiceName[]) {
      // as a deployment runs them: NODE_ENV=production, each supervised (restarted with back-off when it crashes)
      const service = new ServiceProcess(name, ports[name], env, join(logDir, `${name}.log`), { nodeEnv: 'production', detached: true });
      started.services.push(new SupervisedService(service, { log: (message) => say(`[supervisor] ${message}`) }));
    }
    ensureConsoleBuilt();
    await Promise.all(started.services.map((service) => service.start()));
    if (stopping) return;

    const demoFile = join(dataDir, 'demo.json');
    const demo = (await previousDemo(demoFile, url('gateway'))) ?? (await seedDemo(url('gateway'), env.ADMIN_TOKEN));
    writeJson(demoFile, demo);
    const consoleDemo = await seedConsoleDemo(url('gateway'), env.ADMIN_TOKEN, demo.channelId);
    say('');
    say('wabridge is running');
    for (const { service } of started.services) say(`  ${service.name.padEnd(9)} ${service.url}  (pid ${service.pid})`);
    say(`  kafka     ${kafkaBrokers}`);
    say(`  postgres  ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    say(`  data      ${dataDir}  (kept between runs; \`npm start -- --fresh\` starts afresh)`);
    say(`  logs      ${logDir}`);
    say('');
    say(`secrets (generated on the first run unless set in the environment; kept in ${secretsFile}):`);
    say(`  ADMIN_TOKEN=${env.ADMIN_TOKEN}`);
    say(`  META_APP_SECRETS=${env.META_APP_SECRETS}`);
    say(`  META_VERIFY_TOKEN=${env.META_VERIFY_TOKEN}`);
    say(`  SECRETS_KEY=${env.SECRETS_KEY}`);
    say('');
    say(`demo client ${demo.clientId}, channel ${demo.channelId} (phone_number_id ${demo.phoneNumberId})`);
    say(`demo API key (D360-API-KEY): ${demo.apiKey}`);
    say('');
    say(`web console: ${consoleDemo.url}  (passwords generated for this run; shown once)`);
    say(`  operator     ${consoleDemo.operator.email}  ${consoleDemo.operator.password}`);
    say(`  client user  ${consoleDemo.client.email}  ${consoleDemo.client.password}`);
    say('');
    say('try it:');
    say(
      `  curl -s -X POST ${url('gateway')}/v1/configs/webhook -H 'D360-API-KEY: ${demo.apiKey}' -H 'content-type: application/json' -d '{"url":"http://127.0.0.1:8080/hook"}'`,
    );
    say(
      `  curl -s -X POST ${url('wa-sim')}/sim/inbound -H 'content-type: application/json' -d '{"phone_number_id":"${demo.phoneNumberId}","from":"15550001111","text":"hello"}'`,
    );
    say('');
    say('Ctrl-C stops everything.');
  } catch (error) {
    process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
    await stop(1);
  }
}

void main();
