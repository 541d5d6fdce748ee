import { randomUUID } from 'node:crypto';
import { QuarantineHeaders } from '@wabridge/contracts';
import type { OutgoingRecord } from '@wabridge/kafka';
import { ClientEntity } from '@wabridge/persistence';
import { TopicCollector, waitFor } from '@wabridge/testing';
import { businessId, FIXTURE_DAY, MeteringKit, newWamid, outboundEvent, webhook, type TestChannel, type Totals } from './metering-test-kit';

const JUNE = { from: '2024-06-01', to: '2024-06-30' };

describe('metering (e2e)', () => {
  let kit: MeteringKit;
  /** every channel a test counted for, with what it must still show after a full replay */
  const expected = new Map<TestChannel, Totals>();

  beforeAll(async () => {
    kit = await MeteringKit.start();
  }, 120_000);

  afterAll(async () => {
    await kit?.stop();
  });

  const usagePath = (params: Record<string, string>) => `/admin/v1/usage?${new URLSearchParams(params).toString()}`;
  const totalsOf = (channel: TestChannel, range = JUNE) => kit.totals(channel.clientId, range.from, range.to);
  const waitForTotals = (channel: TestChannel, totals: Totals, range = JUNE) => kit.waitForTotals(channel.clientId, totals, range.from, range.to);

  it('counts a template send and its priced sent and read statuses once, in every grouping, as JSON and CSV', async () => {
    const channel = await kit.onboard();
    const wamid = newWamid();
    await kit.produce('outbound', [outboundEvent(channel, wamid)]);
    await kit.produce('webhooks', [webhook(channel, 'status-sent-priced.json', wamid), webhook(channel, 'status-read-priced.json', wamid)]);
    await waitForTotals(channel, { template_sends: 1, priced_messages: 1 });
    await kit.waitDrained();
    expected.set(channel, { template_sends: 1, priced_messages: 1 });

    const rows = {
      template: [{ template: 'order_update', language: 'en_US', template_sends: 1, priced_messages: 0 }],
      category: [{ category: 'marketing', pricing_type: 'regular', template_sends: 0, priced_messages: 1 }],
      day: [{ day: FIXTURE_DAY, template_sends: 1, priced_messages: 1 }],
      channel: [{ channel_id: channel.channelId, template_sends: 1, priced_messages: 1 }],
    };
    const csv = {
      template: 'template,language,template_sends,priced_messages\r\norder_update,en_US,1,0\r\n',
      category: 'category,pricing_type,template_sends,priced_messages\r\nmarketing,regular,0,1\r\n',
      day: `day,template_sends,priced_messages\r\n${FIXTURE_DAY},1,1\r\n`,
      channel: `channel_id,template_sends,priced_messages\r\n${channel.channelId},1,1\r\n`,
    };
    for (const groupBy of ['template', 'category', 'day', 'channel'] as const) {
      const json = await kit.get(usagePath({ client_id: channel.clientId, ...JUNE, group_by: groupBy }));
      expect(json).toMatchObject({ status: 200, type: expect.stringContaining('application/json') });
      expect(JSON.parse(json.text)).toEqual({
        client_id: channel.clientId,
        ...JUNE,
        group_by: groupBy,
        rows: rows[groupBy],
        totals: { template_sends: 1, priced_messages: 1 },
      });
      const text = await kit.get(usagePath({ client_id: channel.clientId, ...JUNE, group_by: groupBy, format: 'csv' }));
      expect(text).toEqual({ status: 200, type: 'text/csv; charset=utf-8', text: csv[groupBy] });
    }

    // One dedupe key per kind for the message: sent and read of it were one priced message.
    const keys = await kit.dataSource.query<{ kind: string }[]>('SELECT kind FROM metering_dedupe WHERE wamid = $1 ORDER BY kind', [wamid]);
    expect(keys.map((key) => key.kind)).toEqual(['priced_message', 'template_send']);
  });

  it('counts the same outbound event and the same webhooks produced three times only once', async () => {
    const channel = await kit.onboard();
    const wamid = newWamid();
    const send = outboundEvent(channel, wamid);
    const sent = webhook(channel, 'status-sent-priced.json', wamid);
    const read = webhook(channel, 'status-read-priced.json', wamid);
    await kit.produce('outbound', [send]);
    await kit.produce('webhooks', [sent]);
    await waitForTotals(channel, { template_sends: 1, priced_messages: 1 });
    expected.set(channel, { template_sends: 1, priced_messages: 1 });

    const duplicatesBefore = await kit.metric('wabridge_metering_duplicates_total{kind="template_send"}');
    await kit.produce('outbound', [send, send]);
    await kit.produce('webhooks', [sent, read, sent, read, read]);
    await kit.waitDrained();
    expect(await totalsOf(channel)).toEqual({ template_sends: 1, priced_messages: 1 });
    expect(await kit.metric('wabridge_metering_duplicates_total{kind="template_send"}')).toBe(duplicatesBefore + 2);
  });

  it('counts nothing for statuses without pricing, inbound messages, non-template sends and unknown numbers', async () => {
    const channel = await kit.onboard();
    const stranger = { phoneNumberId: businessId(), wabaId: channel.wabaId };
    const unattributedBefore = await kit.metric('wabridge_metering_unattributed_total');
    await kit.produce('outbound', [outboundEvent(channel, newWamid(), { type: 'text' }), outboundEvent(channel, newWamid(), { type: 'image' })]);
    await kit.produce('webhooks', [
      webhook(channel, 'status-failed.json', newWamid()),
      webhook(channel, 'inbound-text.json', newWamid()),
      webhook(stranger, 'status-sent-priced.json', newWamid()),
    ]);
    await kit.waitDrained();
    expected.set(channel, { template_sends: 0, priced_messages: 0 });

    const report = await kit.get(usagePath({ client_id: channel.clientId, ...JUNE, group_by: 'day' }));
    expect(JSON.parse(report.text)).toMatchObject({ rows: [], totals: { template_sends: 0, priced_messages: 0 } });
    expect(await kit.metric('wabridge_metering_unattributed_total')).toBe(unattributedBefore + 1);
  });

  it('reports the current UTC month when no dates are given', async () => {
    const channel = await kit.onboard();
    const now = new Date();
    await kit.produce('outbound', [outboundEvent(channel, newWamid(), { acceptedAt: now.toISOString() })]);
    const month = now.toISOString().slice(0, 7);
    const body = await waitFor(
      async () => {
        const response = await kit.get(usagePath({ client_id: channel.clientId }));
        const report = JSON.parse(response.text) as { totals: Totals; from: string; group_by: string };
        return report.totals.template_sends === 1 ? report : false;
      },
      { timeoutMs: 30_000, what: 'the send to show up in the default report' },
    );
    expect(body).toMatchObject({ from: `${month}-01`, group_by: 'template' });
  });

  it('quarantines unreadable records byte for byte and keeps counting behind them', async () => {
    const quarantine = await TopicCollector.start(kit.stack.topics.quarantine);
    try {
      const channel = await kit.onboard();
      const badJson = Buffer.from(`{"object":"whatsapp_business_account","entry":[ ${randomUUID()}`);
      const badEvent = Buffer.from(JSON.stringify({ ...JSON.parse(String(outboundEvent(channel, newWamid()).value)), client_id: 'not-a-uuid' }));
      const good = newWamid();
      await kit.produce('webhooks', [{ key: channel.phoneNumberId, value: badJson }]);
      await kit.produce('outbound', [{ key: channel.phoneNumberId, value: badEvent }, outboundEvent(channel, good)]);

      const [webhookCopy, outboundCopy] = await waitFor(
        () => {
          const a = quarantine.records.find((record) => record.value?.equals(badJson));
          const b = quarantine.records.find((record) => record.value?.equals(badEvent));
          return a && b ? [a, b] : false;
        },
        { timeoutMs: 30_000, what: 'both bad records on the quarantine topic' },
      );
      expect(webhookCopy.headers).toMatchObject({ [QuarantineHeaders.reason]: 'malformed JSON', [QuarantineHeaders.source]: 'metering' });
      expect(outboundCopy.headers).toMatchObject({
        [QuarantineHeaders.reason]: expect.stringContaining('schema violation'),
        [QuarantineHeaders.source]: 'metering',
      });
      expect(outboundCopy.key).toBeNull();

      await waitForTotals(channel, { template_sends: 1, priced_messages: 0 });
      expected.set(channel, { template_sends: 1, priced_messages: 0 });
    } finally {
      await quarantine.stop();
    }
  });

  it('keeps every count exact after a crash and a full replay of both topics', async () => {
    const before = await kit.onboard();
    const first = newWamid();
    await kit.produce('outbound', [outboundEvent(before, first)]);
    await kit.produce('webhooks', [webhook(before, 'status-sent-priced.json', first)]);
    await waitForTotals(before, { template_sends: 1, priced_messages: 1 });
    expected.set(before, { template_sends: 1, priced_messages: 1 });

    await kit.stack.service('metering').kill();

    const after = await kit.onboard();
    const [a, b] = [newWamid(), newWamid()];
    await kit.produce('outbound', [
      outboundEvent(after, a, { acceptedAt: '2024-06-11T10:00:00Z' }),
      outboundEvent(after, b, { template: { name: 'otp', language: 'de' }, acceptedAt: '2024-06-11T10:00:01Z' }),
      outboundEvent(before, first),
    ]);
    await kit.produce('webhooks', [
      webhook(after, 'status-sent-priced.json', a),
      webhook(after, 'status-sent-priced.json', b),
      webhook(after, 'status-read-priced.json', a),
      webhook(before, 'status-read-priced.json', first),
    ]);
    // Rewind the group to the very beginning: every batch metering ever applied comes again, as if
    // it had crashed after each commit to Postgres but before each offset commit.
    await waitFor(
      async () => {
        await kit.admin.resetOffsets({ groupId: kit.groupId, topic: kit.stack.topics.outbound, earliest: true });
        await kit.admin.resetOffsets({ groupId: kit.groupId, topic: kit.stack.topics.webhooks, earliest: true });
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the killed member to leave the group' },
    );
    await kit.stack.service('metering').start();

    await waitForTotals(after, { template_sends: 2, priced_messages: 2 });
    await kit.waitDrained();
    expected.set(after, { template_sends: 2, priced_messages: 2 });
    for (const [channel, totals] of expected) {
      expect(await totalsOf(channel)).toEqual(totals);
    }
    const byTemplate = await kit.get(usagePath({ client_id: after.clientId, ...JUNE, group_by: 'template' }));
    expect(JSON.parse(byTemplate.text).rows).toEqual([
      { template: 'order_update', language: 'en_US', template_sends: 1, priced_messages: 0 },
      { template: 'otp', language: 'de', template_sends: 1, priced_messages: 0 },
    ]);
  }, 150_000);

  describe('monthly statement', () => {
    const statementPath = (clientId: string, period: string, format?: string) =>
      `/admin/v1/usage/statements/${clientId}/${period}${format ? `?format=${format}` : ''}`;

    /** A status webhook of one priced message, built like Meta's (timestamp in unix seconds). */
    function pricedStatus(channel: TestChannel, wamid: string, at: string, pricing: Record<string, unknown>): OutgoingRecord {
      const body = JSON.parse(String(webhook(channel, 'status-sent-priced.json', wamid).value)) as {
        entry: { changes: { value: { statuses: Record<string, unknown>[] } }[] }[];
      };
      const status = body.entry[0].changes[0].value.statuses[0];
      status.timestamp = String(Date.parse(at) / 1000);
      status.pricing = pricing;
      return { key: channel.phoneNumberId, value: JSON.stringify(body) };
    }

    let first: TestChannel;
    let second: TestChannel;
    let clientName: string;

    beforeAll(async () => {
      first = await kit.onboard();
      second = await kit.addChannel(first.clientId);
      clientName = (await kit.dataSource.getRepository(ClientEntity).findOneByOrFail({ id: first.clientId })).name;
      const sends = [
        // the last moment of May and the first of July bracket June: neither is in June's statement
        outboundEvent(first, newWamid(), { acceptedAt: '2024-05-31T23:59:59.999Z' }),
        outboundEvent(first, newWamid(), { acceptedAt: '2024-06-01T00:00:00.000Z' }),
        outboundEvent(first, newWamid(), { acceptedAt: '2024-06-15T12:00:00.000Z' }),
        outboundEvent(first, newWamid(), { acceptedAt: '2024-06-30T23:59:59.999Z', template: { name: 'otp', language: 'de' } }),
        outboundEvent(second, newWamid(), { acceptedAt: '2024-06-20T08:00:00.000Z' }),
        outboundEvent(second, newWamid(), { acceptedAt: '2024-07-01T00:00:00.000Z' }),
        outboundEvent(first, newWamid(), { acceptedAt: '2024-06-03T09:00:00.000Z', type: 'text' }),
      ];
      const marketing = { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' };
      const statuses = [
        pricedStatus(first, newWamid(), '2024-06-02T10:00:00Z', marketing),
        pricedStatus(first, newWamid(), '2024-06-29T10:00:00Z', marketing),
        pricedStatus(first, newWamid(), '2024-06-29T10:00:00Z', { billable: false, pricing_model: 'CBP', category: 'service' }),
        pricedStatus(second, newWamid(), '2024-06-10T10:00:00Z', {
          pricing_model: 'PMP',
          type: 'free_customer_service',
          category: 'service',
        }),
        pricedStatus(second, newWamid(), '2024-05-31T23:00:00Z', marketing),
      ];
      await kit.produce('outbound', sends);
      await kit.produce('webhooks', statuses);
      await waitForTotals(first, { template_sends: 6, priced_messages: 5 }, { from: '2024-05-01', to: '2024-07-31' });
    });

    it('lists June per channel × template × language and channel × category × pricing type, with totals', async () => {
      const before = Date.now();
      const response = await kit.get(statementPath(first.clientId, '2024-06'));
      expect(response).toMatchObject({ status: 200, type: expect.stringContaining('application/json') });
      const statement = JSON.parse(response.text) as Record<string, unknown>;
      const ch = (c: TestChannel) => ({
        channel_id: c.channelId,
        phone_number_id: c.phoneNumberId,
        display_phone_number: expect.stringMatching(/^\d{11}$/),
      });
      // Lines are ordered by channel id first (a stable sort keeps each channel's own order).
      const lines = (items: [TestChannel, Record<string, unknown>][]) =>
        [...items].sort(([x], [y]) => (x.channelId < y.channelId ? -1 : x.channelId > y.channelId ? 1 : 0)).map(([c, rest]) => ({ ...ch(c), ...rest }));
      expect(statement).toEqual({
        client_id: first.clientId,
        client_name: clientName,
        period: '2024-06',
        from: '2024-06-01',
        to: '2024-06-30',
        generated_at: expect.any(String),
        final_after: '2024-07-08T00:00:00.000Z',
        provisional: false,
        template_sends: lines([
          [first, { template: 'order_update', language: 'en_US', quantity: 2 }],
          [first, { template: 'otp', language: 'de', quantity: 1 }],
          [second, { template: 'order_update', language: 'en_US', quantity: 1 }],
        ]),
        priced_messages: lines([
          [first, { category: 'marketing', pricing_type: 'regular', quantity: 2 }],
          [first, { category: 'service', pricing_type: 'not_billable', quantity: 1 }],
          [second, { category: 'service', pricing_type: 'free_customer_service', quantity: 1 }],
        ]),
        channels: lines([
          [first, { template_sends: 3, priced_messages: 3 }],
          [second, { template_sends: 1, priced_messages: 1 }],
        ]),
        totals: { template_sends: 4, priced_messages: 4 },
      });
      const generatedAt = Date.parse(statement.generated_at as string);
      expect(generatedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(generatedAt).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('serves the same statement as CSV a finance system can import', async () => {
      const response = await kit.get(statementPath(first.clientId, '2024-06', 'csv'));
      expect(response).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
      const [header, ...rows] = response.text.trimEnd().split('\r\n');
      expect(header.split(',')).toEqual([
        'period',
        'client_id',
        'client_name',
        'line_type',
        'channel_id',
        'phone_number_id',
        'display_phone_number',
        'template',
        'language',
        'category',
        'pricing_type',
        'quantity',
        'provisional',
        'generated_at',
      ]);
      const parsed = rows.map((row) => row.split(','));
      for (const fields of parsed) {
        expect(fields).toHaveLength(14);
        expect(fields.slice(0, 3)).toEqual(['2024-06', first.clientId, clientName]);
        expect(fields[12]).toBe('false');
      }
      const byType = (type: string) => parsed.filter((fields) => fields[3] === type);
      const sum = (type: string) => byType(type).reduce((total, fields) => total + Number(fields[11]), 0);
      expect(byType('template_send')).toHaveLength(3);
      expect(byType('priced_message')).toHaveLength(3);
      expect(sum('template_send')).toBe(4);
      expect(sum('priced_message')).toBe(4);
      expect(byType('total_template_sends').map((fields) => fields[11])).toEqual(['4']);
      expect(byType('total_priced_messages').map((fields) => fields[11])).toEqual(['4']);
      expect(byType('template_send').map((fields) => [fields[4], fields[5], fields[7], fields[8], fields[11]])).toContainEqual([
        first.channelId,
        first.phoneNumberId,
        'otp',
        'de',
        '1',
      ]);
    });

    it('counts May and July in their own statements, and an empty month has zero totals', async () => {
      const may = JSON.parse((await kit.get(statementPath(first.clientId, '2024-05'))).text) as { totals: Totals };
      expect(may.totals).toEqual({ template_sends: 1, priced_messages: 1 });
      const july = JSON.parse((await kit.get(statementPath(first.clientId, '2024-07'))).text) as { totals: Totals };
      expect(july.totals).toEqual({ template_sends: 1, priced_messages: 0 });
      const empty = JSON.parse((await kit.get(statementPath(first.clientId, '2023-01'))).text) as Record<string, unknown>;
      expect(empty).toMatchObject({
        template_sends: [],
        priced_messages: [],
        channels: [],
        totals: { template_sends: 0, priced_messages: 0 },
      });
    });

    it('marks the current month provisional', async () => {
      const month = new Date().toISOString().slice(0, 7);
      const response = await kit.get(statementPath(first.clientId, month));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toMatchObject({ period: month, provisional: true });
    });

    it.each([
      ['no Authorization header', null],
      ['a wrong token', 'Bearer not-the-admin-token'],
    ])('answers 401 for %s', async (_what, authorization) => {
      const response = await kit.get(statementPath(first.clientId, '2024-06'), authorization);
      expect(response.status).toBe(401);
      expect(JSON.parse(response.text)).toEqual({ error: expect.any(String) });
    });

    it.each([
      ['a client id that is no UUID', () => statementPath('client-1', '2024-06'), 'client_id must be a UUID'],
      ['a malformed month', () => statementPath(first.clientId, '2024-6'), 'period must be a month YYYY-MM'],
      ['month 13', () => statementPath(first.clientId, '2024-13'), 'period must be a month YYYY-MM'],
      ['a future month', () => statementPath(first.clientId, '2999-01'), 'period must not be in the future'],
      ['an unknown format', () => statementPath(first.clientId, '2024-06', 'pdf'), 'format must be one of json, csv'],
      ['an unknown parameter', () => `${statementPath(first.clientId, '2024-06')}?from=2024-06-01`, 'unknown query parameter "from"'],
    ])('answers 400 for %s', async (_what, path, error) => {
      const response = await kit.get(path());
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toEqual({ error });
    });

    it('answers 404 for a client that does not exist', async () => {
      const response = await kit.get(statementPath(randomUUID(), '2024-06'));
      expect(response.status).toBe(404);
      expect(JSON.parse(response.text)).toEqual({ error: 'client not found' });
    });
  });

  describe('usage API', () => {
    let channel: TestChannel;
    beforeAll(async () => {
      channel = await kit.onboard();
    });

    it.each([
      ['no Authorization header', () => null],
      ['a wrong token', () => 'Bearer not-the-admin-token'],
      ['a wrong token of the right length', () => `Bearer ${'x'.repeat(kit.stack.adminToken.length)}`],
      ['another scheme', () => `Basic ${kit.stack.adminToken}`],
      ['the bare token', () => kit.stack.adminToken],
    ])('answers 401 with a JSON error for %s', async (_what, authorization) => {
      const response = await kit.get(usagePath({ client_id: channel.clientId }), authorization());
      expect(response.status).toBe(401);
      expect(JSON.parse(response.text)).toEqual({ error: expect.any(String) });
    });

    it('checks the token before the query', async () => {
      expect((await kit.get('/admin/v1/usage?group_by=week', null)).status).toBe(401);
    });

    it.each([
      ['a missing client_id', { client_id: undefined }, 'client_id is required'],
      ['a client_id that is no UUID', { client_id: 'client-1' }, 'client_id must be a UUID'],
      ['an impossible date', { from: '2024-02-30' }, 'from must be a date YYYY-MM-DD'],
      ['a date in another format', { to: '10/06/2024' }, 'to must be a date YYYY-MM-DD'],
      ['from after to', { from: '2024-06-02', to: '2024-06-01' }, 'from must not be after to'],
      ['an unknown group_by', { group_by: 'week' }, 'group_by must be one of template, category, day, channel'],
      ['an unknown format', { format: 'xlsx' }, 'format must be one of json, csv'],
      ['an unknown parameter', { groupby: 'day' }, 'unknown query parameter'],
    ])('answers 400 for %s', async (_what, params: Record<string, string | undefined>, error) => {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries({ client_id: channel.clientId, ...params })) {
        if (value !== undefined) query.set(name, value);
      }
      const response = await kit.get(`/admin/v1/usage?${query.toString()}`);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toEqual({ error: expect.stringContaining(error) });
    });

    it('answers 400 for a parameter given twice', async () => {
      const response = await kit.get(`/admin/v1/usage?client_id=${channel.clientId}&client_id=${channel.clientId}`);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toEqual({ error: 'client_id must be given once' });
    });

    it('answers 404 for a client that does not exist', async () => {
      const response = await kit.get(usagePath({ client_id: randomUUID() }));
      expect(response.status).toBe(404);
      expect(JSON.parse(response.text)).toEqual({ error: 'client not found' });
    });
  });
});
