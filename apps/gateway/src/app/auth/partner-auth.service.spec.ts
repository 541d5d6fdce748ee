import type { DataSource } from 'typeorm';
import type { GatewayConfig } from '../../config/gateway.config';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { generateApiKey, hashApiKey } from './api-key';
import { KEY_CACHE_TTL_MS, PartnerAuthService } from './partner-auth.service';

const row = {
  key_id: 'k1',
  channel_id: 'c1',
  client_id: 'cl1',
  phone_number_id: '106540352242922',
  waba_id: 'w1',
  display_phone_number: '4930609859535',
};

/** A stand-in for Postgres: the key is valid until `revoke()`. */
function fakeDatabase(key: string) {
  let revoked = false;
  const queries: unknown[][] = [];
  const dataSource = {
    query: (_sql: string, params: unknown[]) => {
      queries.push(params);
      return Promise.resolve(!revoked && params[0] === hashApiKey(key) ? [row] : []);
    },
  } as unknown as DataSource;
  return { dataSource, queries, revoke: () => (revoked = true) };
}

const config = { unknownKeyLookupsPerSecond: 5 } as GatewayConfig;

describe('PartnerAuthService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('looks up only the hash, caches briefly, and refuses a revoked key once the cache expired (< 1 s)', async () => {
    expect(KEY_CACHE_TTL_MS).toBeLessThan(1000);
    const key = generateApiKey();
    const db = fakeDatabase(key);
    const auth = new PartnerAuthService(new ApiKeysRepository(db.dataSource), config);
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);

    expect(await auth.authenticate(key)).toMatchObject({ keyId: 'k1', channelId: 'c1', phoneNumberId: '106540352242922' });
    expect(db.queries).toEqual([[hashApiKey(key)]]);
    expect(JSON.stringify(db.queries)).not.toContain(key);

    db.revoke();
    now += KEY_CACHE_TTL_MS - 1;
    expect(await auth.authenticate(key)).not.toBeNull();
    expect(db.queries).toHaveLength(1);

    now += 2;
    expect(await auth.authenticate(key)).toBeNull();
    expect(db.queries).toHaveLength(2);
  });

  it('forgets a channel at once when its keys change on this instance', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    const auth = new PartnerAuthService(new ApiKeysRepository(db.dataSource), config);
    expect(await auth.authenticate(key)).not.toBeNull();
    db.revoke();
    auth.forgetChannel('c1');
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('shares one lookup between concurrent requests and skips implausible keys', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    const auth = new PartnerAuthService(new ApiKeysRepository(db.dataSource), config);
    const results = await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(key)));
    expect(results.every((result) => result?.channelId === 'c1')).toBe(true);
    expect(db.queries).toHaveLength(1);
    expect(await auth.authenticate(undefined)).toBeNull();
    expect(await auth.authenticate('short')).toBeNull();
    expect(db.queries).toHaveLength(1);
  });

  it('spends a global budget on lookups of keys not known valid, and never on known ones', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    const auth = new PartnerAuthService(new ApiKeysRepository(db.dataSource), config);
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    expect(await auth.authenticate(key)).not.toBeNull();
    // a flood of made-up keys of the right format: the budget (burst 10) is spent, then no more queries
    for (let i = 0; i < 100; i += 1) expect(await auth.authenticate(generateApiKey())).toBeNull();
    expect(db.queries.length).toBeLessThanOrEqual(11);
    // the known key is still looked up (after its cache entry expired) and still valid
    now += KEY_CACHE_TTL_MS + 1;
    const before = db.queries.length;
    expect(await auth.authenticate(key)).not.toBeNull();
    expect(db.queries).toHaveLength(before + 1);
  });
});
