// `node tools/node.cjs tools/bench/console-only.ts`: how fast the web console's pages answer on a
// loaded database — 10,000 deliveries rows and 100,000 metered messages (BENCH_CONSOLE_DELIVERIES,
// BENCH_CONSOLE_MESSAGES) — with the gateway and metering as real processes on a real PostgreSQL and
// Kafka broker. For each page it times the API calls the page makes (and the page's own files), signed in
// as an operator and as a client user, and prints p50/p95/max in ms as JSON on its last line. The target
// is every page under 200 ms (docs/console.md).
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureConsoleBuilt, freePort, repoRoot, serviceLogDir, ServiceProcess } from '@wabridge/local-infra';
import { silenceKnownWarnings } from '@wabridge/observability';
import { createDataSource } from '@wabridge/persistence';
import { joinConsole } from '../stack/console-demo';
import { say, startBenchInfra } from './bench-infra';

const DELIVERIES = Number(process.env.BENCH_CONSOLE_DELIVERIES ?? 10_000);
const MESSAGES = Number(process.env.BENCH_CONSOLE_MESSAGES ?? 100_000);
const CLIENTS = 20;
const CHANNELS_PER_CLIENT = 5;
const ROUNDS = Number(process.env.BENCH_CONSOLE_ROUNDS ?? 30);
const TEMPLATES = ['order_shipped', 'payment_due', 'otp_login', 'welcome', 'appointment_reminder'];

async function seed(databaseUrl: string): Promise<{ clientId: string; channelId: string; metered: number }> {
  const db = createDataSource({ url: databaseUrl, poolSize: 2 });
  await db.initialize();
  try {
    await db.query(`INSERT INTO clients (name) SELECT 'Client ' || g FROM generate_series(1, $1) g`, [CLIENTS]);
    await db.query(
      `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number)
       SELECT c.id, (100000000000000 + row_number() OVER ())::text, '200000000000000', (15550000000 + row_number() OVER ())::text
         FROM clients c CROSS JOIN generate_series(1, $1)`,
      [CHANNELS_PER_CLIENT],
    );
    await db.query(`INSERT INTO api_keys (channel_id, key_hash) SELECT id, md5(id::text) FROM channels`);
    await db.query(
      `INSERT INTO webhook_destinations (channel_id, kind, name, url, signing_secret)
       SELECT id, 'primary', 'primary', 'https://partner.example/hook', 'whsec_x' FROM channels`,
    );
    // deliveries: events not delivered at the first attempt, spread over the channels and the month
    await db.query(
      `INSERT INTO deliveries (event_id, destination, phone_number_id, channel_id, state, attempts, last_status_code,
                               last_error, last_latency_ms, next_attempt_at, received_at, updated_at)
       SELECT 'evt_' || g, 'primary', ch.phone_number_id, ch.id,
              (ARRAY['delivered', 'retry_scheduled', 'dead'])[1 + g % 3], 1 + g % 7, 500, NULL, 20 + g % 300,
              CASE WHEN g % 3 = 1 THEN now() + interval '5 minutes' END,
              now() - (g % 43200) * interval '1 minute', now() - (g % 43200) * interval '1 minute'
         FROM generate_series(1, $1) g
         JOIN LATERAL (SELECT id, phone_number_id FROM channels ORDER BY id OFFSET g % ($2::int) LIMIT 1) ch ON true`,
      [DELIVERIES, CLIENTS * CHANNELS_PER_CLIENT],
    );
    // metered messages: half template sends, half priced statuses, as metering stores them (counts per
    // client, channel, key and UTC day), plus the dedupe key of every message
    const month = new Date().toISOString().slice(0, 7);
    const perRow = Math.max(1, Math.round(MESSAGES / 2 / (CLIENTS * CHANNELS_PER_CLIENT * TEMPLATES.length * 28)));
    await db.query(
      `INSERT INTO template_send_counts (client_id, channel_id, template_name, language, day, count)
       SELECT ch.client_id, ch.id, t, 'en_US', ($1 || '-01')::date + d, $2
         FROM channels ch CROSS JOIN unnest($3::text[]) t CROSS JOIN generate_series(0, 27) d`,
      [month, perRow, TEMPLATES],
    );
    await db.query(
      `INSERT INTO priced_message_counts (client_id, channel_id, category, pricing_type, day, count)
       SELECT ch.client_id, ch.id, c, 'regular', ($1 || '-01')::date + d, $2
         FROM channels ch CROSS JOIN unnest(ARRAY['marketing', 'utility', 'authentication', 'service', 'referral_conversion']) c
         CROSS JOIN generate_series(0, 27) d`,
      [month, perRow],
    );
    await db.query(`INSERT INTO metering_dedupe (kind, wamid, counted_at) SELECT 't', 'wamid.' || g, now() FROM generate_series(1, $1) g`, [MESSAGES]);
    const [first]: { client_id: string; id: string }[] = await db.query(`SELECT client_id, id FROM channels ORDER BY client_id, id LIMIT 1`);
    const [sums]: { n: string }[] = await db.query(
      `SELECT (SELECT sum(count) FROM template_send_counts) + (SELECT sum(count) FROM priced_message_counts) AS n`,
    );
    return { clientId: first.client_id, channelId: first.id, metered: Number(sums.n) };
  } finally {
    await db.destroy();
  }
}

async function signIn(gateway: string, adminToken: string, invite: Record<string, string>): Promise<string> {
  const { email, password } = await joinConsole(gateway, adminToken, invite);
  const session = await fetch(`${gateway}/console/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (session.status !== 200) throw new Error(`sign in: ${session.status}`);
  return (session.headers.get('set-cookie') ?? '').split(';')[0];
}

/** One page = the calls it makes, in parallel as the browser makes them; the time until the last answers. */
async function timePage(gateway: string, cookie: string, paths: string[]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    paths.map(async (path) => {
      const response = await fetch(`${gateway}${path}`, { headers: { cookie } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    }),
  );
  return performance.now() - started;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

async function main(): Promise<void> {
  silenceKnownWarnings();
  ensureConsoleBuilt();
  const infra = await startBenchInfra('console', 1);
  const services: ServiceProcess[] = [];
  try {
    say(`console: seeding ${DELIVERIES} deliveries and ${MESSAGES} metered messages`);
    const { clientId, channelId, metered } = await seed(infra.databaseUrl);
    const adminToken = randomBytes(16).toString('hex');
    const [gatewayPort, meteringPort] = [await freePort(), await freePort()];
    const common = { KAFKA_BROKERS: infra.kafkaBrokers, DATABASE_URL: infra.databaseUrl, ADMIN_TOKEN: adminToken, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    services.push(new ServiceProcess('metering', meteringPort, common, join(serviceLogDir(), 'bench-console-metering.log')));
    services.push(
      new ServiceProcess(
        'gateway',
        gatewayPort,
        {
          ...common,
          GRAPH_API_URL: 'http://127.0.0.1:9',
          GRAPH_API_TOKEN: 'unused',
          PUBLIC_URL: gateway,
          METERING_URL: `http://127.0.0.1:${meteringPort}`,
          CONSOLE_HEALTH_URLS: `metering=http://127.0.0.1:${meteringPort}`,
        },
        join(serviceLogDir(), 'bench-console-gateway.log'),
      ),
    );
    await Promise.all(services.map((service) => service.start()));
    const operator = await signIn(gateway, adminToken, { email: 'bench-operator@wabridge.example', role: 'operator' });
    const client = await signIn(gateway, adminToken, { email: 'bench-client@wabridge.example', role: 'client', client_id: clientId });
    const month = new Date().toISOString().slice(0, 7);
    const range = `from=${month}-01&to=${month}-28`;
    const asset = readdirSync(join(repoRoot(), 'apps', 'console', 'dist', 'assets')).find((name) => name.endsWith('.js'));
    const pages: Record<string, { cookie: string; paths: string[] }> = {
      'shell (index.html + script)': { cookie: client, paths: ['/console/', `/console/assets/${asset}`, '/console/api/session'] },
      'client: numbers': { cookie: client, paths: ['/console/api/channels'] },
      'client: usage': { cookie: client, paths: ['day', 'template', 'category'].map((group) => `/console/api/usage?${range}&group_by=${group}`) },
      'client: statement CSV': { cookie: client, paths: [`/console/api/statements/${month}?format=csv`] },
      'operator: numbers (all clients)': { cookie: operator, paths: ['/console/api/clients', '/console/api/channels'] },
      'operator: deliveries': {
        cookie: operator,
        paths: [
          '/console/api/channels',
          `/console/api/channels/${channelId}/deliveries?limit=200`,
          `/console/api/dead-letters?channel_id=${channelId}&limit=200`,
        ],
      },
      'operator: usage': {
        cookie: operator,
        paths: [
          '/console/api/clients',
          `/console/api/usage/summary?${range}`,
          ...['day', 'template', 'category'].map((group) => `/console/api/usage?client_id=${clientId}&${range}&group_by=${group}`),
        ],
      },
      'operator: health': { cookie: operator, paths: ['/console/api/health'] },
    };
    const results: Record<string, { p50_ms: number; p95_ms: number; max_ms: number }> = {};
    for (const [name, page] of Object.entries(pages)) {
      for (let warm = 0; warm < 3; warm += 1) await timePage(gateway, page.cookie, page.paths);
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) times.push(await timePage(gateway, page.cookie, page.paths));
      results[name] = { p50_ms: Math.round(percentile(times, 50)), p95_ms: Math.round(percentile(times, 95)), max_ms: Math.round(Math.max(...times)) };
      say(`console: ${name}: p50 ${results[name].p50_ms} ms, p95 ${results[name].p95_ms} ms`);
    }
    process.stdout.write(`${JSON.stringify({ deliveries: DELIVERIES, metered_messages: metered, rounds: ROUNDS, pages: results })}\n`);
  } finally {
    await Promise.allSettled(services.map((service) => service.stop()));
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`console bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
