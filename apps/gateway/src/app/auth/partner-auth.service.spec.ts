import type { DataSource } from 'typeorm';
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

describe('PartnerAuthService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('looks up only the hash, caches briefly, and refuses a revoked key once the cache expired (< 1 s)', async () => {
    expect(KEY_CACHE_TTL_MS).toBeLessThan(1000);
    const key = generateApiKey();
    const db = fakeDatabase(key);
    const auth = new PartnerAuthService(db.dataSource);
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
    const auth = new PartnerAuthService(db.dataSource);
    expect(await auth.authenticate(key)).not.toBeNull();
    db.revoke();
    auth.forgetChannel('c1');
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('shares one lookup between concurrent requests and skips implausible keys', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    const auth = new PartnerAuthService(db.dataSource);
    const results = await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(key)));
    expect(results.every((result) => result?.channelId === 'c1')).toBe(true);
    expect(db.queries).toHaveLength(1);
    expect(await auth.authenticate(undefined)).toBeNull();
    expect(await auth.authenticate('short')).toBeNull();
    expect(db.queries).toHaveLength(1);
  });
});
