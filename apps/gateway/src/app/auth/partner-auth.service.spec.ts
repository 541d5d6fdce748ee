import type { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import type { GatewayConfig } from '../../config/gateway.config';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { generateApiKey, hashApiKey } from './api-key';
import { KEY_CONFIRMED_MAX_AGE_MS, KEY_IDLE_MS, KEY_REFRESH_INTERVAL_MS, PartnerAuthService } from './partner-auth.service';

const rowOf = (hash: string, index: number) => ({
  key_hash: hash,
  key_id: `k${index}`,
  slot: '1',
  channel_id: `c${index}`,
  client_id: 'cl1',
  phone_number_id: '106540352242922',
  waba_id: 'w1',
  display_phone_number: '4930609859535',
});

/** A stand-in for Postgres behind the real repository: keys are valid until revoked, and queries can be made to fail. */
function fakeDatabase(...keys: string[]) {
  const hashes = keys.map(hashApiKey);
  const revoked = new Set<string>();
  const queries: { sql: string; params: unknown[] }[] = [];
  let failing = false;
  const dataSource = {
    query: (sql: string, params: unknown[]) => {
      queries.push({ sql, params });
      if (failing) return Promise.reject(new Error('Connection terminated unexpectedly'));
      const asked = Array.isArray(params[0]) ? (params[0] as string[]) : [params[0] as string];
      const rows = hashes.flatMap((hash, index) => (asked.includes(hash) && !revoked.has(hash) ? [rowOf(hash, index + 1)] : []));
      return Promise.resolve(rows);
    },
  } as unknown as DataSource;
  return {
    dataSource,
    queries,
    lookups: () => queries.filter((query) => !Array.isArray(query.params[0])),
    refreshes: () => queries.filter((query) => Array.isArray(query.params[0])),
    revoke: (key: string) => revoked.add(hashApiKey(key)),
    fail: (value: boolean) => (failing = value),
  };
}

const config = { unknownKeyLookupsPerSecond: 5 } as GatewayConfig;

describe('PartnerAuthService', () => {
  let warnings: unknown[][];
  let auth: PartnerAuthService;

  function start(db: ReturnType<typeof fakeDatabase>, settings = config): PartnerAuthService {
    warnings = [];
    const logger = { setContext: () => undefined, warn: (...args: unknown[]) => warnings.push(args) } as unknown as PinoLogger;
    auth = new PartnerAuthService(new ApiKeysRepository(db.dataSource), settings, logger);
    auth.onModuleInit();
    return auth;
  }

  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => {
    auth?.onModuleDestroy();
    jest.useRealTimers();
  });

  it('looks up only the hash, then serves the answer from memory between refreshes', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    start(db);
    expect(await auth.authenticate(key)).toMatchObject({ keyId: 'k1', channelId: 'c1', phoneNumberId: '106540352242922' });
    expect(db.queries).toEqual([{ sql: expect.stringContaining('k.key_hash = $1'), params: [hashApiKey(key)] }]);
    expect(JSON.stringify(db.queries)).not.toContain(key);
    // 3 s of constant use: no request waits for a lookup, only the refresh queries run
    for (let i = 0; i < 150; i += 1) {
      await jest.advanceTimersByTimeAsync(20);
      expect(await auth.authenticate(key)).toMatchObject({ channelId: 'c1' });
    }
    expect(db.lookups()).toHaveLength(1);
    expect(db.refreshes().length).toBeGreaterThanOrEqual(5);
    expect(db.refreshes().length).toBeLessThanOrEqual(7);
  });

  it('re-checks all cached keys in one query per refresh', async () => {
    const keys = Array.from({ length: 50 }, () => generateApiKey());
    const db = fakeDatabase(...keys);
    // 50 keys new to this instance at once: a budget that lets them in
    start(db, { unknownKeyLookupsPerSecond: 50 } as GatewayConfig);
    for (const key of keys) expect(await auth.authenticate(key)).not.toBeNull();
    expect(db.lookups()).toHaveLength(50);
    for (let i = 0; i < 10; i += 1) {
      await jest.advanceTimersByTimeAsync(100);
      for (const key of keys) expect(await auth.authenticate(key)).not.toBeNull();
    }
    // 1 s: two refreshes, each of all 50 hashes, and no more lookups
    expect(db.lookups()).toHaveLength(50);
    expect(db.refreshes()).toHaveLength(2);
    for (const refresh of db.refreshes()) {
      expect(refresh.sql).toContain('ANY');
      expect(new Set(refresh.params[0] as string[])).toEqual(new Set(keys.map(hashApiKey)));
    }
  });

  it('refuses a key revoked elsewhere after the next refresh, within the 1 s bound', async () => {
    const [key, other] = [generateApiKey(), generateApiKey()];
    const db = fakeDatabase(key, other);
    start(db);
    expect(await auth.authenticate(key)).not.toBeNull();
    expect(await auth.authenticate(other)).not.toBeNull();
    await jest.advanceTimersByTimeAsync(KEY_REFRESH_INTERVAL_MS - 100);
    db.revoke(key);
    const revokedAt = Date.now();
    while ((await auth.authenticate(key)) !== null) await jest.advanceTimersByTimeAsync(20);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(KEY_REFRESH_INTERVAL_MS);
    expect(Date.now() - revokedAt).toBeLessThan(KEY_CONFIRMED_MAX_AGE_MS);
    expect(await auth.authenticate(other)).not.toBeNull();
  });

  it('stops serving a key no refresh confirmed for 1 s, and looks it up again (failing as the database fails)', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    start(db);
    expect(await auth.authenticate(key)).not.toBeNull();
    const confirmedAt = Date.now();
    db.fail(true);
    db.revoke(key);
    // refreshes fail: the answer is served until 1 s after the query that confirmed it started, not longer
    await jest.advanceTimersByTimeAsync(KEY_CONFIRMED_MAX_AGE_MS - 1);
    expect(await auth.authenticate(key)).not.toBeNull();
    expect(db.lookups()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(Date.now() - confirmedAt).toBe(KEY_CONFIRMED_MAX_AGE_MS);
    await expect(auth.authenticate(key)).rejects.toThrow('Connection terminated');
    expect(db.lookups()).toHaveLength(2);
    // logged without the key or its hash
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(warnings)).not.toContain(hashApiKey(key));
    expect(JSON.stringify(warnings)).not.toContain(key);
    // the database is back: the revocation is seen by the fresh lookup
    db.fail(false);
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('drops keys not used for a while from the refreshed set, and refreshes nothing when idle', async () => {
    const [busy, idle] = [generateApiKey(), generateApiKey()];
    const db = fakeDatabase(busy, idle);
    start(db);
    expect(await auth.authenticate(busy)).not.toBeNull();
    expect(await auth.authenticate(idle)).not.toBeNull();
    for (let elapsed = 0; elapsed < KEY_IDLE_MS + 1000; elapsed += 100) {
      await jest.advanceTimersByTimeAsync(100);
      expect(await auth.authenticate(busy)).not.toBeNull();
    }
    expect(db.refreshes().at(0)?.params[0]).toHaveLength(2);
    expect(db.refreshes().at(-1)?.params[0]).toEqual([hashApiKey(busy)]);
    // back after the pause: looked up once, outside the unknown-key budget
    expect(await auth.authenticate(idle)).not.toBeNull();
    expect(db.lookups()).toHaveLength(3);
    // nothing in use: no queries at all
    await jest.advanceTimersByTimeAsync(KEY_IDLE_MS + 2000);
    const before = db.queries.length;
    await jest.advanceTimersByTimeAsync(5000);
    expect(db.queries).toHaveLength(before);
  });

  it('forgets a channel at once when its keys change on this instance', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    start(db);
    expect(await auth.authenticate(key)).not.toBeNull();
    db.revoke(key);
    auth.forgetChannel('c1');
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('does not bring back a forgotten key from a refresh that was in flight', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    start(db);
    expect(await auth.authenticate(key)).not.toBeNull();
    const refresh = auth.refresh();
    auth.forgetChannel('c1');
    db.revoke(key);
    await refresh;
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('shares one lookup between concurrent requests and skips implausible keys', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    start(db);
    const results = await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(key)));
    expect(results.every((result) => result?.channelId === 'c1')).toBe(true);
    expect(db.queries).toHaveLength(1);
    expect(await auth.authenticate(undefined)).toBeNull();
    expect(await auth.authenticate('short')).toBeNull();
    expect(db.queries).toHaveLength(1);
  });

  it('caches an unknown key briefly', async () => {
    const db = fakeDatabase();
    start(db);
    const unknown = generateApiKey();
    expect(await auth.authenticate(unknown)).toBeNull();
    expect(await auth.authenticate(unknown)).toBeNull();
    expect(db.queries).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(KEY_REFRESH_INTERVAL_MS);
    expect(await auth.authenticate(unknown)).toBeNull();
    expect(db.queries).toHaveLength(2);
  });

  it('spends a global budget on lookups of keys not known valid, and never on known ones', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    start(db);
    expect(await auth.authenticate(key)).not.toBeNull();
    // a flood of made-up keys of the right format: the budget (burst 10) is spent, then no more queries
    for (let i = 0; i < 100; i += 1) expect(await auth.authenticate(generateApiKey())).toBeNull();
    expect(db.lookups().length).toBeLessThanOrEqual(11);
    // refusals are not cached: the same made-up key is asked again once the budget refills
    const lookupsBefore = db.lookups().length;
    // the known key, unused until it left the refreshed set, is looked up again and still valid
    await jest.advanceTimersByTimeAsync(KEY_IDLE_MS + KEY_REFRESH_INTERVAL_MS * 2);
    expect(await auth.authenticate(key)).not.toBeNull();
    expect(db.lookups()).toHaveLength(lookupsBefore + 1);
  });

  it('does not cache a budget refusal', async () => {
    const db = fakeDatabase();
    start(db);
    for (let i = 0; i < 20; i += 1) await auth.authenticate(generateApiKey());
    const refused = generateApiKey();
    const before = db.lookups().length;
    expect(await auth.authenticate(refused)).toBeNull();
    expect(db.lookups()).toHaveLength(before);
    await jest.advanceTimersByTimeAsync(1000);
    expect(await auth.authenticate(refused)).toBeNull();
    expect(db.lookups()).toHaveLength(before + 1);
  });

  it('stops refreshing when the module stops', async () => {
    const key = generateApiKey();
    const db = fakeDatabase(key);
    start(db);
    expect(await auth.authenticate(key)).not.toBeNull();
    auth.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(2000);
    expect(db.refreshes()).toHaveLength(0);
  });
});
