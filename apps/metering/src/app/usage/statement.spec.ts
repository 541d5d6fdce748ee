import { spreadsheetSafe } from '@wabridge/util';
import { buildStatement, finalAfter, statementCsv, type StatementPricedRow, type StatementTemplateRow } from './statement';

const CLIENT = '0f9b7c2e-3d6a-4a51-9e0b-1c2d3e4f5a6b';
const CH1 = {
  channelId: '11111111-1111-4111-8111-111111111111',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '4930609859535',
};
const CH2 = {
  channelId: '22222222-2222-4222-8222-222222222222',
  phoneNumberId: '106540352242923',
  displayPhoneNumber: '4930609859536',
};
const fields = (ch: { channelId: string; phoneNumberId: string | null; displayPhoneNumber: string | null }) => ({
  channel_id: ch.channelId,
  phone_number_id: ch.phoneNumberId,
  display_phone_number: ch.displayPhoneNumber,
});
const JUNE = { clientId: CLIENT, period: '2024-06', from: '2024-06-01', to: '2024-06-30' };

const templates: StatementTemplateRow[] = [
  { ...CH2, templateName: 'order_update', language: 'en_US', count: 3 },
  { ...CH1, templateName: 'otp', language: 'de', count: 5 },
  { ...CH1, templateName: 'order_update', language: 'en_US', count: 2 },
  { ...CH1, templateName: 'order_update', language: 'en_US', count: 4 },
];
const priced: StatementPricedRow[] = [
  { ...CH1, category: 'marketing', pricingType: 'regular', count: 4 },
  { ...CH2, category: 'utility', pricingType: 'free_customer_service', count: 1 },
  { ...CH1, category: 'authentication', pricingType: 'regular', count: 5 },
];

const statement = (generatedAt = new Date('2024-07-10T08:00:00Z'), t = templates, p = priced) =>
  buildStatement({ request: JUNE, clientName: 'Acme GmbH', templates: t, priced: p, generatedAt });

describe('buildStatement', () => {
  it('has a line per channel × template × language and channel × category × pricing type, subtotals and totals', () => {
    expect(statement()).toEqual({
      client_id: CLIENT,
      client_name: 'Acme GmbH',
      period: '2024-06',
      from: '2024-06-01',
      to: '2024-06-30',
      generated_at: '2024-07-10T08:00:00.000Z',
      final_after: '2024-07-08T00:00:00.000Z',
      provisional: false,
      template_sends: [
        { ...fields(CH1), template: 'order_update', language: 'en_US', quantity: 6 },
        { ...fields(CH1), template: 'otp', language: 'de', quantity: 5 },
        { ...fields(CH2), template: 'order_update', language: 'en_US', quantity: 3 },
      ],
      priced_messages: [
        { ...fields(CH1), category: 'authentication', pricing_type: 'regular', quantity: 5 },
        { ...fields(CH1), category: 'marketing', pricing_type: 'regular', quantity: 4 },
        { ...fields(CH2), category: 'utility', pricing_type: 'free_customer_service', quantity: 1 },
      ],
      channels: [
        { ...fields(CH1), template_sends: 11, priced_messages: 9 },
        { ...fields(CH2), template_sends: 3, priced_messages: 1 },
      ],
      totals: { template_sends: 14, priced_messages: 10 },
    });
  });

  it('is provisional until Meta can no longer deliver a status of the period', () => {
    expect(statement(new Date('2024-06-15T00:00:00Z')).provisional).toBe(true);
    expect(statement(new Date('2024-07-07T23:59:59.999Z')).provisional).toBe(true);
    expect(statement(new Date('2024-07-08T00:00:00Z')).provisional).toBe(false);
  });

  it('has no lines and zero totals for a month without traffic', () => {
    expect(statement(undefined, [], [])).toMatchObject({
      template_sends: [],
      priced_messages: [],
      channels: [],
      totals: { template_sends: 0, priced_messages: 0 },
    });
  });

  it('keeps lines of a channel whose row is gone, with null numbers', () => {
    const orphan = { channelId: '33333333-3333-4333-8333-333333333333', phoneNumberId: null, displayPhoneNumber: null };
    const result = statement(undefined, [{ ...orphan, templateName: 'otp', language: 'en', count: 1 }], []);
    expect(result.template_sends).toEqual([{ ...fields(orphan), template: 'otp', language: 'en', quantity: 1 }]);
    expect(result.template_sends[0]).toMatchObject({ phone_number_id: null, display_phone_number: null });
    expect(result.totals.template_sends).toBe(1);
  });
});

describe('finalAfter', () => {
  it('is seven days after the end of the month, across a year end', () => {
    expect(finalAfter('2024-02').toISOString()).toBe('2024-03-08T00:00:00.000Z');
    expect(finalAfter('2024-12').toISOString()).toBe('2025-01-08T00:00:00.000Z');
  });
});

describe('statementCsv', () => {
  it('writes one flat table: header, template lines, priced lines, then the two totals', () => {
    const lines = statementCsv(statement()).split('\r\n');
    const common = (type: string) => `2024-06,${CLIENT},Acme GmbH,${type}`;
    const tail = 'false,2024-07-10T08:00:00.000Z';
    const channel = (ch: typeof CH1) => `${ch.channelId},${ch.phoneNumberId},${ch.displayPhoneNumber}`;
    expect(lines).toEqual([
      'period,client_id,client_name,line_type,channel_id,phone_number_id,display_phone_number,' +
        'template,language,category,pricing_type,quantity,provisional,generated_at',
      `${common('template_send')},${channel(CH1)},order_update,en_US,,,6,${tail}`,
      `${common('template_send')},${channel(CH1)},otp,de,,,5,${tail}`,
      `${common('template_send')},${channel(CH2)},order_update,en_US,,,3,${tail}`,
      `${common('priced_message')},${channel(CH1)},,,authentication,regular,5,${tail}`,
      `${common('priced_message')},${channel(CH1)},,,marketing,regular,4,${tail}`,
      `${common('priced_message')},${channel(CH2)},,,utility,free_customer_service,1,${tail}`,
      `${common('total_template_sends')},,,,,,,,14,${tail}`,
      `${common('total_priced_messages')},,,,,,,,10,${tail}`,
      '',
    ]);
  });

  it('has every row as wide as the header', () => {
    const lines = statementCsv(statement()).trimEnd().split('\r\n');
    for (const line of lines) expect(line.split(',')).toHaveLength(14);
  });

  it('quotes names with commas and quotes, and defuses spreadsheet formulas', () => {
    const csv = statementCsv(
      buildStatement({
        request: JUNE,
        clientName: '=HYPERLINK("http://x","Acme, Inc")',
        templates: [{ ...CH1, templateName: '+promo', language: 'en', count: 1 }],
        priced: [],
        generatedAt: new Date('2024-07-10T08:00:00Z'),
      }),
    );
    expect(csv).toContain(`2024-06,${CLIENT},"'=HYPERLINK(""http://x"",""Acme, Inc"")",template_send`);
    expect(csv).toContain(",'+promo,en,");
  });
});

describe('spreadsheetSafe', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+49', "'+49"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['order_update', 'order_update'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (value, expected) => expect(spreadsheetSafe(value)).toBe(expected));
});
