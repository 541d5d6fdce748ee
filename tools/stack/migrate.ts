// Applies the database migrations and creates the Kafka topics: the one-off step before services start
// (docker compose runs it as its `migrate` service; `npm start` and the test setup do the same in-process).
import { prepareStack } from '@wabridge/local-infra';
import { loadStackConfig } from './stack.config';

async function main(): Promise<void> {
  const config = loadStackConfig(process.env);
  if (!config.databaseUrl || !config.kafkaBrokers) throw new Error('DATABASE_URL and KAFKA_BROKERS are required');
  const applied = await prepareStack(config.databaseUrl, config.kafkaBrokers, config);
  process.stdout.write(`migrations applied: ${applied.length ? applied.join(', ') : 'none pending'}; topics ready\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
