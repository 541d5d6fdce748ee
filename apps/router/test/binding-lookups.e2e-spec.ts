import { randomInt } from 'node:crypto';
import { ChannelEntity, ClientEntity, createDataSource, WebhookDestinationEntity } from '@wabridge/persistence';
import { testInfra } from '@wabridge/testing';
import type { DataSource, Logger } from 'typeorm';
import type { RouterConfig } from '../src/config/router.config';
import { BindingRepository } from '../src/app/bindings/binding.repository';

/**
 * Binding lookups under many tenants (issue 15): the lookups a batch of records makes at once are a
 * couple of queries, not one per record, and each still gets its own channel's bindings.
 */
describe('binding lookups of many channels at once', () => {
  let db: DataSource;
  let queries = 0;

  beforeAll(async () => {
    db = createDataSource({ url: testInfra().databaseUrl, poolSize: 3, applicationName: 'router-binding-lookups' });
    await db.initialize();
    // counts what reaches PostgreSQL: TypeORM hands every statement to its logger
    const counting: Logger = {
      logQuery: () => {
        queries += 1;
      },
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    (db as unknown as { logger: Logger }).logger = counting;
  });

  afterAll(async () => {
    await db.destroy();
  });

  it('reads the channels and destinations of 30 numbers asked for together in one query each', async () => {
    const { secrets } = testInfra();
    const client = await db.getRepository(ClientEntity).save({ name: `binding lookups ${randomInt(1e9)}` });
    const channels = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const phoneNumberId = String(randomInt(100_000_000_000_000, 280_000_000_000_000));
        const channel = await db.getRepository(ChannelEntity).save({
          clientId: client.id,
          phoneNumberId,
          wabaId: String(randomInt(100_000_000_000_000, 280_000_000_000_000)),
          displayPhoneNumber: String(randomInt(10000000000, 99999999999)),
        });
        // every third channel has nothing bound; the others a primary and, for some, an extra destination
        if (i % 3 !== 0) {
          const bind = (kind: 'primary' | 'extra', name: string) =>
            db.getRepository(WebhookDestinationEntity).save({
              channelId: channel.id,
              kind,
              name,
              url: `http://127.0.0.1:9/${phoneNumberId}/${name}`,
              headers: secrets.sealHeaders({}),
              signingSecret: secrets.seal(`whsec_${Buffer.from(phoneNumberId).toString('base64')}`),
            });
          if (i % 2 === 0) await bind('extra', 'audit');
          await bind('primary', 'primary');
        }
        return { id: channel.id, phoneNumberId, bound: i % 3 !== 0, extra: i % 3 !== 0 && i % 2 === 0 };
      }),
    );
    const bindings = new BindingRepository(db, { secrets } as RouterConfig);

    queries = 0;
    const unknown = String(randomInt(100_000_000_000_000, 280_000_000_000_000));
    const looked = await Promise.all(
      [...channels.map((channel) => channel.phoneNumberId), unknown].map(async (phone) => {
        const channel = await bindings.channelByPhone(phone);
        return { channel, destinations: channel ? await bindings.destinationsOf(channel.id) : [] };
      }),
    );

    // one query for the 31 numbers, one for the 30 channels' destinations (it was one per lookup: 61)
    expect(queries).toBe(2);
    expect(looked[30]).toEqual({ channel: null, destinations: [] });
    for (const [i, expected] of channels.entries()) {
      const { channel, destinations } = looked[i];
      expect(channel?.id).toBe(expected.id);
      const urls = destinations.map((destination) => destination.url);
      const base = `http://127.0.0.1:9/${expected.phoneNumberId}`;
      // primary first, then the extras by name, as before
      expect(urls).toEqual(!expected.bound ? [] : expected.extra ? [`${base}/primary`, `${base}/audit`] : [`${base}/primary`]);
      for (const destination of destinations) expect(destination.signingSecret).toBe(`whsec_${Buffer.from(expected.phoneNumberId).toString('base64')}`);
    }
  });
});
