// `npm run tail -- <topic> [options]`: follows a Kafka topic and prints one JSON line per record — topic, partition,
// offset, timestamp, key, size and headers. Bodies only with --bodies (they hold end-user data).
//
//   npm run tail -- whatsapp.webhooks.v1                 follow new records
//   npm run tail -- partner.deliveries.dead.v1 --from-beginning --max 20
//   npm run tail -- whatsapp.webhooks.quarantine.v1 --bodies
//
// KAFKA_BROKERS names the cluster (or --brokers); KAFKA_TOPIC_PREFIX (or --prefix) the deployment's namespace, put in
// front of the topic unless it is already there. It joins a throw-away consumer group and commits nothing.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createKafka } from '@wabridge/kafka';

export const USAGE = `usage: npm run tail -- <topic> [--from-beginning] [--bodies] [--max <n>] [--brokers <host:port,...>] [--prefix <prefix>]`;

export interface TailOptions {
  topic: string;
  brokers: string[];
  fromBeginning: boolean;
  bodies: boolean;
  /** stop after this many records (0 = follow until interrupted) */
  max: number;
}

export class UsageError extends Error {}

/** The command line and environment, checked: every mistake is a UsageError naming it. */
export function parseTailArgs(argv: string[], env: NodeJS.ProcessEnv): TailOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'from-beginning': { type: 'boolean', default: false },
        bodies: { type: 'boolean', default: false },
        max: { type: 'string' },
        brokers: { type: 'string' },
        prefix: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0].trim() === '') throw new UsageError('exactly one topic is needed');
  const max = values.max === undefined ? 0 : Number(values.max);
  if (values.max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1_000_000)) {
    throw new UsageError('--max must be a whole number from 1 to 1000000');
  }
  const brokers = (values.brokers ?? env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new UsageError('no brokers: set KAFKA_BROKERS or pass --brokers');
  const prefix = values.prefix ?? env.KAFKA_TOPIC_PREFIX ?? '';
  const topic = positionals[0].startsWith(prefix) ? positionals[0] : prefix + positionals[0];
  return { topic, brokers, fromBeginning: values['from-beginning'] ?? false, bodies: values.bodies ?? false, max };
}

export interface RecordLine {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  size: number;
  headers: Record<string, string>;
  body?: string;
}

/** One record as the CLI prints it. */
export function recordLine(
  topic: string,
  partition: number,
  message: {
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  },
  bodies: boolean,
): RecordLine {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(', ');
  }
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)).toISOString(),
    key: message.key?.toString() ?? null,
    size: message.value?.length ?? 0,
    headers,
    ...(bodies ? { body: message.value?.toString('utf8') ?? '' } : {}),
  };
}

async function tail(options: TailOptions): Promise<void> {
  const kafka = createKafka({ brokers: options.brokers, clientId: 'wabridge-tail' });
  const consumer = kafka.consumer({ groupId: `wabridge-tail-${randomBytes(6).toString('hex')}` });
  let printed = 0;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await consumer.disconnect().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
  await consumer.run({
    autoCommit: false,
    // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise
    eachMessage: async ({ topic, partition, message }) => {
      if (stopping) return;
      process.stdout.write(`${JSON.stringify(recordLine(topic, partition, message, options.bodies))}\n`);
      printed += 1;
      if (options.max > 0 && printed >= options.max) void stop(0);
    },
  });
  process.stderr.write(`tail: following ${options.topic}${options.fromBeginning ? ' from the beginning' : ''} (Ctrl-C to stop)\n`);
}

if (require.main === module) {
  let options: TailOptions;
  try {
    options = parseTailArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tail: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  tail(options).catch((error: unknown) => {
    process.stderr.write(`tail: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  });
}
