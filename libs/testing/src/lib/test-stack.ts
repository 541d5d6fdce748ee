import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { topicNames, type TopicNames } from '@wabridge/contracts';
import { createKafka, ensureTopics } from '@wabridge/kafka';
import { freePort, PORT_VARIABLE, ServiceProcess, serviceLogDir, stackTopics, type ServiceName } from '@wabridge/local-infra';
import { testInfra, type TestInfra } from './test-infra';

export interface StackOptions {
  services: ServiceName[];
  /** extra environment per service; wins over the defaults */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** environment for every service */
  commonEnv?: Record<string, string>;
  partitions?: number;
  /** infrastructure other than the run's shared broker and database (e.g. a three-node cluster) */
  infra?: Partial<TestInfra>;
}

/**
 * A complete, isolated wabridge stack for one test file: the real services as child processes, on
 * the run's shared Kafka broker and PostgreSQL database, behind a topic prefix of its own so test
 * files never see each other's events.
 */
export class TestStack {
  readonly adminToken = 'admin-' + randomBytes(16).toString('hex');
  readonly appSecret = 'appsecret-' + randomBytes(16).toString('hex');
  readonly verifyToken = 'verify-' + randomBytes(8).toString('hex');
  readonly graphToken = 'graph-' + randomBytes(8).toString('hex');
  readonly topics: TopicNames;
  readonly services = new Map<ServiceName, ServiceProcess>();

  private constructor(
    readonly prefix: string,
    readonly ports: Record<ServiceName, number>,
  ) {
    this.topics = topicNames(prefix);
  }

  static async start(options: StackOptions): Promise<TestStack> {
    const prefix = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`;
    const ports = {} as Record<ServiceName, number>;
    for (const name of Object.keys(PORT_VARIABLE) as ServiceName[]) ports[name] = await freePort();
    const stack = new TestStack(prefix, ports);
    const { kafkaBrokers, databaseUrl } = { ...testInfra(), ...options.infra };
    await ensureTopics(createKafka({ brokers: kafkaBrokers.split(','), clientId: 'wabridge-test-setup' }), stackTopics(prefix, options.partitions ?? 2));
    const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
    const defaults: Record<ServiceName, Record<string, string>> = {
      ingress: { META_APP_SECRETS: stack.appSecret, META_VERIFY_TOKEN: stack.verifyToken },
      gateway: {
        ADMIN_TOKEN: stack.adminToken,
        GRAPH_API_URL: url('wa-sim'),
        GRAPH_API_VERSION: 'v21.0',
        GRAPH_API_TOKEN: stack.graphToken,
        PUBLIC_URL: url('gateway'),
        WEBHOOK_URL_ALLOW_HTTP: 'true',
        WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.0/8',
        METERING_URL: url('metering'),
        CONSOLE_HEALTH_URLS: (['ingress', 'router', 'metering'] as const).map((name) => `${name}=${url(name)}`).join(','),
      },
      router: {
        WEBHOOK_URL_ALLOW_HTTP: 'true',
        WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.0/8',
        DELIVERY_TIMEOUT_MS: '2000',
        RETRY_TIME_SCALE: '0.001',
      },
      metering: { ADMIN_TOKEN: stack.adminToken },
      'wa-sim': {
        WA_SIM_INGRESS_URL: `${url('ingress')}/webhooks/whatsapp`,
        META_APP_SECRET: stack.appSecret,
        GRAPH_API_TOKEN: stack.graphToken,
      },
    };
    const common = {
      KAFKA_BROKERS: kafkaBrokers,
      DATABASE_URL: databaseUrl,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'debug',
      HOST: '127.0.0.1',
      ...options.commonEnv,
    };
    const logDir = serviceLogDir();
    for (const name of options.services) {
      const env = { ...common, ...defaults[name], ...options.env?.[name] };
      stack.services.set(name, new ServiceProcess(name, ports[name], env, join(logDir, `${prefix}${name}.log`)));
    }
    try {
      await Promise.all([...stack.services.values()].map((service) => service.start()));
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  service(name: ServiceName): ServiceProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not part of this stack`);
    return service;
  }

  /** Every line the stack's services logged so far. */
  logs(): string {
    return [...this.services.values()].map((service) => service.logs()).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((service) => service.stop()));
  }
}
