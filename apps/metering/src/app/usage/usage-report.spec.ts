import { csvField } from '@wabridge/util';
import { buildUsageReport, usageReportCsv, type PricedCountRow, type TemplateCountRow } from './usage-report';
import type { GroupBy } from './usage-query';

const CLIENT = '0f9b7c2e-3d6a-4a51-9e0b-1c2d3e4f5a6b';
const CH1 = '11111111-1111-4111-8111-111111111111';
const CH2 = '22222222-2222-4222-8222-222222222222';

const templates: TemplateCountRow[] = [
  { channelId: CH2, templateName: 'order_update', language: 'en_US', day: '2024-06-11', count: 3 },
  { channelId: CH1, templateName: 'order_update', language: 'en_US', day: '2024-06-10', count: 2 },
  { channelId: CH1, templateName: 'otp', language: 'de', day: '2024-06-10', count: 5 },
];
const priced: PricedCountRow[] = [
  { channelId: CH1, category: 'marketing', pricingType: 'regular', day: '2024-06-10', count: 4 },
  { channelId: CH2, category: 'marketing', pricingType: 'regular', day: '2024-06-12', count: 1 },
  { channelId: CH1, category: 'authentication', pricingType: 'regular', day: '2024-06-10', count: 5 },
];

const report = (groupBy: GroupBy, t = templates, p = priced) => buildUsageReport({ clientId: CLIENT, from: '2024-06-01', to: '2024-06-30', groupBy }, t, p);

describe('buildUsageReport', () => {
  it('groups template sends by template and language; priced messages are only in the totals', () => {
    expect(report('template')).toEqual({
      client_id: CLIENT,
      from: '2024-06-01',
      to: '2024-06-30',
      group_by: 'template',
      rows: [
        { template: 'order_update', language: 'en_US', template_sends: 5, priced_messages: 0 },
        { template: 'otp', language: 'de', template_sends: 5, priced_messages: 0 },
      ],
      totals: { template_sends: 10, priced_messages: 10 },
    });
  });

  it('groups priced messages by category and pricing type; template sends are only in the totals', () => {
    expect(report('category')).toMatchObject({
      group_by: 'category',
      rows: [
        { category: 'authentication', pricing_type: 'regular', template_sends: 0, priced_messages: 5 },
        { category: 'marketing', pricing_type: 'regular', template_sends: 0, priced_messages: 5 },
      ],
      totals: { template_sends: 10, priced_messages: 10 },
    });
  });

  it('groups both counts by UTC day, days in order', () => {
    expect(report('day').rows).toEqual([
      { day: '2024-06-10', template_sends: 7, priced_messages: 9 },
      { day: '2024-06-11', template_sends: 3, priced_messages: 0 },
      { day: '2024-06-12', template_sends: 0, priced_messages: 1 },
    ]);
  });

  it('groups both counts by channel', () => {
    expect(report('channel').rows).toEqual([
      { channel_id: CH1, template_sends: 7, priced_messages: 9 },
      { channel_id: CH2, template_sends: 3, priced_messages: 1 },
    ]);
  });

  it('has no rows and zero totals without counts', () => {
    expect(report('day', [], [])).toMatchObject({ rows: [], totals: { template_sends: 0, priced_messages: 0 } });
  });

  it('keeps the group keys first, in the documented order', () => {
    expect(Object.keys(report('category').rows[0])).toEqual(['category', 'pricing_type', 'template_sends', 'priced_messages']);
  });
});

describe('usageReportCsv', () => {
  it('writes a header line and one line per row, CRLF-terminated', () => {
    expect(usageReportCsv(report('template'))).toBe('template,language,template_sends,priced_messages\r\norder_update,en_US,5,0\r\notp,de,5,0\r\n');
    expect(usageReportCsv(report('channel'))).toBe(`channel_id,template_sends,priced_messages\r\n${CH1},7,9\r\n${CH2},3,1\r\n`);
  });

  it('writes only the header for an empty report', () => {
    expect(usageReportCsv(report('day', [], []))).toBe('day,template_sends,priced_messages\r\n');
  });

  it('quotes fields holding commas, quotes or line breaks', () => {
    const odd: TemplateCountRow[] = [{ channelId: CH1, templateName: 'a,"b"\nc', language: 'en', day: '2024-06-10', count: 1 }];
    expect(usageReportCsv(report('template', odd, []))).toBe('template,language,template_sends,priced_messages\r\n"a,""b""\nc",en,1,0\r\n');
  });

  it('neutralises template names a spreadsheet would run as a formula, as the statement does', () => {
    const formula: TemplateCountRow[] = [{ channelId: CH1, templateName: '=HYPERLINK("http://x")', language: '@en', day: '2024-06-10', count: 2 }];
    expect(usageReportCsv(report('template', formula, []))).toBe(
      `template,language,template_sends,priced_messages\r\n"'=HYPERLINK(""http://x"")",'@en,2,0\r\n`,
    );
  });

  it.each([
    ['plain', 'plain'],
    ['with space', 'with space'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\r\nbreak', '"line\r\nbreak"'],
    [42, '42'],
    ['=1+1', "'=1+1"],
    ['=HYPERLINK("http://x","a")', `"'=HYPERLINK(""http://x"",""a"")"`],
  ])('csvField(%j) = %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});
