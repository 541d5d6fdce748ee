import { lastDayOf, parseStatementRequest } from './statement-request';

const CLIENT = '0F9B7C2E-3D6A-4A51-9E0B-1C2D3E4F5A6B';
const NOW = new Date('2024-07-03T10:00:00Z');

describe('parseStatementRequest', () => {
  it('reads a month, lower-casing the client id and spanning the whole month', () => {
    expect(parseStatementRequest(CLIENT, '2024-02', { format: 'csv' }, NOW)).toEqual({
      ok: true,
      request: { clientId: CLIENT.toLowerCase(), period: '2024-02', from: '2024-02-01', to: '2024-02-29', format: 'csv' },
    });
  });

  it('defaults to JSON and accepts the current month', () => {
    expect(parseStatementRequest(CLIENT, '2024-07', {}, NOW)).toMatchObject({
      ok: true,
      request: { period: '2024-07', from: '2024-07-01', to: '2024-07-31', format: 'json' },
    });
  });

  it.each([
    ['client-1', '2024-06', {}, 'client_id must be a UUID'],
    [`${CLIENT}0`, '2024-06', {}, 'client_id must be a UUID'],
    [CLIENT, '2024-13', {}, 'period must be a month YYYY-MM'],
    [CLIENT, '2024-00', {}, 'period must be a month YYYY-MM'],
    [CLIENT, '2024-6', {}, 'period must be a month YYYY-MM'],
    [CLIENT, '2024-06-01', {}, 'period must be a month YYYY-MM'],
    [CLIENT, '1969-12', {}, 'period must be a month YYYY-MM'],
    [CLIENT, '2024-08', {}, 'period must not be in the future'],
    [CLIENT, '2024-06', { format: 'xlsx' }, 'format must be one of json, csv'],
    [CLIENT, '2024-06', { format: ['csv', 'json'] }, 'format must be given once'],
    [CLIENT, '2024-06', { from: '2024-06-01' }, 'unknown query parameter "from"'],
  ])('refuses %s / %s %j: %s', (client, period, query, error) => {
    expect(parseStatementRequest(client, period, query, NOW)).toEqual({ ok: false, error });
  });
});

describe('lastDayOf', () => {
  it.each([
    ['2024-02', '2024-02-29'],
    ['2023-02', '2023-02-28'],
    ['2024-04', '2024-04-30'],
    ['2024-12', '2024-12-31'],
  ])('%s → %s', (period, day) => expect(lastDayOf(period)).toBe(day));
});
