// Dedupe keys expire after METERING_DEDUPE_RETENTION_DAYS; the counts they guarded stay.
import { randomUUID } from 'node:crypto';
import type { OutgoingRecord } from '@wabridge/kafka';
import { FIXTURE_IDS, metaFixtureFor, waitFor } from '@wabridge/testing';
import type { QueryRunner } from 'typeorm';
import { DEDUPE_SWEEP_BATCH, DEDUPE_SWEEP_LOCK } from '../src/app/retention/dedupe-retention';
import { MeteringKit, outboundEvent, type TestChannel } from './metering-test-kit';

const JUNE = ['2024-06-01', '2024-06-30'] as const;

describe('metering dedupe retention (e2e)', () => {
  let kit: MeteringKit;
  const run = randomUUID();

  beforeAll(async () => {
    kit = await MeteringKit.start({ METERING_DEDUPE_RETENTION_DAYS: '35', METERING_DEDUPE_SWEEP_INTERVAL_S: '0.2' });
  }, 120_000);

  afterAll(async () => {
    await kit?.stop();
  });

  const sentStatus = (channel: TestChannel, wamid: string): OutgoingRecord => ({
    key: channel.phoneNumberId,
    value: metaFixtureFor('status-sent-priced.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.templateWamid]: wamid,
    }),
  });

  /** Dedupe keys of this file, `age` days old, bypassing metering (as if counted back then). */
  async function insertKeys(label: string, count: number, ageDays: number): Promise<void> {
    await kit.dataSource.query(
      `INSERT INTO metering_dedupe (kind, wamid, counted_at)
       SELECT CASE WHEN g % 2 = 0 THEN 'template_send' ELSE 'priced_message' END,
              'wamid.retention-' || $1 || '-' || $2 || '-' || g,
              now() - make_interval(days => $3) - make_interval(secs => g % 3600)
         FROM generate_series(1, $4::int) AS g`,
      [run, label, ageDays, count],
    );
  }

  async function keysLeft(label: string): Promise<number> {
    const [{ count }] = await kit.dataSource.query<{ count: string }[]>(`SELECT count(*)::text AS count FROM metering_dedupe WHERE wamid LIKE $1`, [
      `wamid.retention-${run}-${label}-%`,
    ]);
    return Number(count);
  }

  it('deletes keys older than the window in batches, keeps recent keys and every count, and still dedupes recent messages', async () => {
    const channel = await kit.onboard();
    const wamid = `wamid.retention-live-${randomUUID()}`;
    await kit.produce('outbound', [outboundEvent(channel, wamid)]);
    await kit.produce('webhooks', [sentStatus(channel, wamid)]);
    await waitFor(async () => (await kit.totals(channel.clientId, ...JUNE)).priced_messages === 1, { what: 'the message to be counted' });
    const expiredBefore = await kit.metric('wabridge_metering_dedupe_keys_expired_total');

    const old = 2 * DEDUPE_SWEEP_BATCH + 345;
    await insertKeys('recent', 500, 34);
    await insertKeys('old', old, 36);
    expect(await keysLeft('old')).toBe(old);

    await waitFor(async () => (await keysLeft('old')) === 0, { timeoutMs: 30_000, what: 'expired keys to be deleted' });
    expect(await keysLeft('recent')).toBe(500);
    const live = await kit.dataSource.query<{ kind: string }[]>('SELECT kind FROM metering_dedupe WHERE wamid = $1 ORDER BY kind', [wamid]);
    expect(live.map((key) => key.kind)).toEqual(['priced_message', 'template_send']);
    expect(await kit.totals(channel.clientId, ...JUNE)).toEqual({ template_sends: 1, priced_messages: 1 });
    expect(await kit.metric('wabridge_metering_dedupe_keys_expired_total')).toBeGreaterThan(expiredBefore);
    expect(kit.stack.service('metering').logs()).toContain('expired dedupe keys deleted');

    // The message's keys survived the sweep, so its duplicates still count nothing.
    await kit.produce('outbound', [outboundEvent(channel, wamid)]);
    await kit.produce('webhooks', [sentStatus(channel, wamid), sentStatus(channel, wamid)]);
    await kit.waitDrained();
    expect(await kit.totals(channel.clientId, ...JUNE)).toEqual({ template_sends: 1, priced_messages: 1 });
  });

  it('leaves the sweep to whoever holds the lock: an instance that finds it taken skips its turn', async () => {
    let holder: QueryRunner | undefined = kit.dataSource.createQueryRunner();
    try {
      await holder.connect();
      await holder.query('SELECT pg_advisory_lock($1)', [DEDUPE_SWEEP_LOCK]);
      await insertKeys('locked', 10, 40);
      const skipped = await kit.metric('wabridge_metering_dedupe_sweeps_total{outcome="skipped"}');
      await waitFor(async () => (await kit.metric('wabridge_metering_dedupe_sweeps_total{outcome="skipped"}')) >= skipped + 3, {
        timeoutMs: 20_000,
        what: 'three sweeps to find the lock taken',
      });
      expect(await keysLeft('locked')).toBe(10);

      await holder.query('SELECT pg_advisory_unlock($1)', [DEDUPE_SWEEP_LOCK]);
      await holder.release();
      holder = undefined;
      await waitFor(async () => (await keysLeft('locked')) === 0, { timeoutMs: 20_000, what: 'the keys to go once the lock is free' });
    } finally {
      await holder?.release();
    }
  });
});
