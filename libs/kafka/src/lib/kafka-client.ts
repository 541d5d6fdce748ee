import { Kafka, logLevel, type Admin, type LogEntry, type logCreator } from 'kafkajs';

/** Minimal structured logger the Kafka lib writes to (pino satisfies it). */
export interface KafkaLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger?: KafkaLogger;
  /** kafkajs connection and request timeouts, ms */
  connectionTimeout?: number;
  requestTimeout?: number;
}

function pinoLogCreator(logger: KafkaLogger): logCreator {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const fields = { component: 'kafkajs', ...extra };
      switch (level) {
        case logLevel.ERROR:
        case logLevel.NOTHING:
          logger.error(fields, message);
          break;
        case logLevel.WARN:
          logger.warn(fields, message);
          break;
        case logLevel.INFO:
          logger.info(fields, message);
          break;
        case logLevel.DEBUG:
          logger.debug(fields, message);
          break;
      }
    };
}

/** The one place a kafkajs client is created. */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeout ?? 3000,
    requestTimeout: options.requestTimeout ?? 10000,
    logLevel: options.logger ? logLevel.WARN : logLevel.NOTHING,
    ...(options.logger ? { logCreator: pinoLogCreator(options.logger) } : {}),
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

/** The client type, so services never import kafkajs themselves. */
export type KafkaClient = Kafka;

/** The admin client type, for tools that read offsets and topic ends. */
export type KafkaAdmin = Admin;
