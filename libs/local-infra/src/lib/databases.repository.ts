import { Client } from 'pg';

/** The test and stack databases on a PostgreSQL server: created, kept or dropped by name (the only SQL of local-infra). */

const noop = (): void => undefined;

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

async function withClient<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  client.on('error', noop);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(noop);
  }
}

/** CREATE DATABASE <name> on the server behind `serverUrl`; returns the URL of the new database. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  return withDatabase(serverUrl, name);
}

/** Like createDatabase, but an existing database of that name is kept (a durable data directory). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(serverUrl, async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  });
  return withDatabase(serverUrl, name);
}

/** DROP DATABASE IF EXISTS <name> WITH (FORCE): open connections to it are terminated. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
}
