import { aggregatePricedMessages, aggregateTemplateSends, firstFactPerKey, type AttributedPricedFact } from './metering-batch';
import type { TemplateSendFact } from './metering-facts';

const C1 = '11111111-1111-4111-8111-111111111111';
const C2 = '22222222-2222-4222-8222-222222222222';
const CH = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

const send = (wamid: string, overrides: Partial<TemplateSendFact> = {}): TemplateSendFact => ({
  kind: 'template_send',
  wamid,
  clientId: C1,
  channelId: CH,
  templateName: 'order_update',
  language: 'en_US',
  day: '2024-06-10',
  ...overrides,
});

const priced = (wamid: string, overrides: Partial<AttributedPricedFact> = {}): AttributedPricedFact => ({
  kind: 'priced_message',
  wamid,
  phoneNumberId: 'P1',
  clientId: C1,
  channelId: CH,
  category: 'marketing',
  pricingType: 'regular',
  day: '2024-06-10',
  ...overrides,
});

describe('firstFactPerKey', () => {
  it('keeps the first fact of each (kind, wamid), sorted by that key', () => {
    const sent = priced('w2', { day: '2024-06-10' });
    const read = priced('w2', { day: '2024-06-11' });
    const result = firstFactPerKey([sent, send('w9'), read, send('w1'), send('w9')]);
    expect(result.map((f) => [f.kind, f.wamid])).toEqual([
      ['priced_message', 'w2'],
      ['template_send', 'w1'],
      ['template_send', 'w9'],
    ]);
    expect(result[0]).toBe(sent);
  });

  it('treats the same wamid of different kinds as different facts', () => {
    expect(firstFactPerKey([send('w1'), priced('w1')])).toHaveLength(2);
  });
});

describe('aggregateTemplateSends', () => {
  it('sums per primary key, sorted by (client, day, channel, template, language)', () => {
    const rows = aggregateTemplateSends([send('a', { clientId: C2 }), send('b', { language: 'de' }), send('c'), send('d', { day: '2024-06-09' }), send('e')]);
    expect(rows).toEqual([
      { clientId: C1, day: '2024-06-09', channelId: CH, templateName: 'order_update', language: 'en_US', count: 1 },
      { clientId: C1, day: '2024-06-10', channelId: CH, templateName: 'order_update', language: 'de', count: 1 },
      { clientId: C1, day: '2024-06-10', channelId: CH, templateName: 'order_update', language: 'en_US', count: 2 },
      { clientId: C2, day: '2024-06-10', channelId: CH, templateName: 'order_update', language: 'en_US', count: 1 },
    ]);
  });

  it('is empty for no facts', () => {
    expect(aggregateTemplateSends([])).toEqual([]);
  });
});

describe('aggregatePricedMessages', () => {
  it('sums per primary key, sorted by (client, day, channel, category, pricing type)', () => {
    const rows = aggregatePricedMessages([priced('a', { category: 'utility' }), priced('b'), priced('c', { pricingType: 'free_entry_point' }), priced('d')]);
    expect(rows).toEqual([
      { clientId: C1, day: '2024-06-10', channelId: CH, category: 'marketing', pricingType: 'free_entry_point', count: 1 },
      { clientId: C1, day: '2024-06-10', channelId: CH, category: 'marketing', pricingType: 'regular', count: 2 },
      { clientId: C1, day: '2024-06-10', channelId: CH, category: 'utility', pricingType: 'regular', count: 1 },
    ]);
  });
});
