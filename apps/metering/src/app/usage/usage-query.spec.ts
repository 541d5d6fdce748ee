import { isDay, parseUsageQuery } from './usage-query';

const CLIENT = '0F9B7C2E-3D6A-4A51-9E0B-1C2D3E4F5A6B';
const NOW = new Date('2024-02-14T23:30:00Z');

describe('parseUsageQuery', () => {
  it('reads a full query, lower-casing the client id', () => {
    expect(parseUsageQuery({ client_id: CLIENT, from: '2024-01-05', to: '2024-01-20', group_by: 'day', format: 'csv' }, NOW)).toEqual({
      ok: true,
      query: { clientId: CLIENT.toLowerCase(), from: '2024-01-05', to: '2024-01-20', groupBy: 'day', format: 'csv' },
    });
  });

  it('defaults to the current UTC month, grouped by template, as JSON', () => {
    expect(parseUsageQuery({ client_id: CLIENT }, NOW)).toEqual({
      ok: true,
      query: { clientId: CLIENT.toLowerCase(), from: '2024-02-01', to: '2024-02-29', groupBy: 'template', format: 'json' },
    });
    expect(parseUsageQuery({ client_id: CLIENT }, new Date('2024-12-31T23:59:59Z'))).toMatchObject({
      query: { from: '2024-12-01', to: '2024-12-31' },
    });
  });

  it("completes a single date with that date's month", () => {
    expect(parseUsageQuery({ client_id: CLIENT, from: '2023-02-10' }, NOW)).toMatchObject({ query: { from: '2023-02-10', to: '2023-02-28' } });
    expect(parseUsageQuery({ client_id: CLIENT, to: '2023-04-10' }, NOW)).toMatchObject({ query: { from: '2023-04-01', to: '2023-04-10' } });
  });

  it('accepts a single-day range', () => {
    expect(parseUsageQuery({ client_id: CLIENT, from: '2024-01-05', to: '2024-01-05' }, NOW).ok).toBe(true);
  });

  it.each([
    [{}, 'client_id is required'],
    [{ client_id: '' }, 'client_id is required'],
    [{ client_id: 'not-a-uuid' }, 'client_id must be a UUID'],
    [{ client_id: `${CLIENT}x` }, 'client_id must be a UUID'],
    [{ client_id: [CLIENT, CLIENT] }, 'client_id must be given once'],
    [{ client_id: CLIENT, from: '2024-13-01' }, 'from must be a date YYYY-MM-DD'],
    [{ client_id: CLIENT, from: '2023-02-29' }, 'from must be a date YYYY-MM-DD'],
    [{ client_id: CLIENT, to: '2024-6-1' }, 'to must be a date YYYY-MM-DD'],
    [{ client_id: CLIENT, to: '' }, 'to must be a date YYYY-MM-DD'],
    [{ client_id: CLIENT, from: '2024-03-02', to: '2024-03-01' }, 'from must not be after to'],
    [{ client_id: CLIENT, from: '2024-03-02', to: '2024-02-29' }, 'from must not be after to'],
    [{ client_id: CLIENT, group_by: 'week' }, 'group_by must be one of template, category, day, channel'],
    [{ client_id: CLIENT, group_by: '' }, 'group_by must be one of'],
    [{ client_id: CLIENT, format: 'xml' }, 'format must be one of json, csv'],
    [{ client_id: CLIENT, groupby: 'day' }, 'unknown query parameter "groupby"'],
  ])('refuses %j: %s', (raw, error) => {
    expect(parseUsageQuery(raw, NOW)).toEqual({ ok: false, error: expect.stringContaining(error) });
  });
});

describe('isDay', () => {
  it.each(['2024-02-29', '1970-01-01', '9999-12-31'])('accepts %s', (day) => expect(isDay(day)).toBe(true));
  it.each(['2023-02-29', '2024-04-31', '2024-00-10', '1969-12-31', '24-01-01', '2024-01-01T00:00:00Z', ' 2024-01-01'])('refuses %s', (day) =>
    expect(isDay(day)).toBe(false),
  );
});
