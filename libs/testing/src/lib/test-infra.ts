import { SecretBox } from '@wabridge/webhook-security';

/** What the run's global setup brought up, as seen from a test worker. */
export interface TestInfra {
  kafkaBrokers: string;
  databaseUrl: string;
  /** SECRETS_KEY of the run: opens what the services stored sealed, seals what a test writes directly */
  secrets: SecretBox;
}

export function testInfra(): TestInfra {
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (!kafkaBrokers || !databaseUrl) {
    throw new Error('KAFKA_BROKERS and DATABASE_URL are not set: run the tests with `npm test` (jest global setup)');
  }
  return { kafkaBrokers, databaseUrl, secrets: SecretBox.fromEnv(process.env.SECRETS_KEY) };
}
