import { parseRecoverRequest } from './self-service-requests';

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 24 * 3_600_000;

describe('parseRecoverRequest', () => {
  it('takes a window, until defaulting to now and a later until counting as now', () => {
    expect(parseRecoverRequest({ since: '2025-06-01T10:00:00Z' }, NOW, DAY)).toEqual({
      ok: true,
      value: { since: new Date('2025-06-01T10:00:00Z'), until: NOW, destination: null },
    });
    expect(parseRecoverRequest({ since: '2025-06-01T10:00:00+02:00', until: '2025-06-02T00:00:00Z', destination: 'crm', other: 1 }, NOW, DAY)).toEqual({
      ok: true,
      value: { since: new Date('2025-06-01T08:00:00Z'), until: NOW, destination: 'crm' },
    });
  });

  it.each([
    [undefined, 'since is required'],
    [[], 'body must be a JSON object'],
    [{ since: 'yesterday' }, 'since must be an ISO 8601 date-time'],
    [{ since: '2025-06-01T10:00:00Z', until: 5 }, 'until '],
    [{ since: '2025-06-01T13:00:00Z' }, 'since must not be in the future'],
    [{ since: '2025-06-01T10:00:00Z', until: '2025-06-01T09:00:00Z' }, 'until must be after since'],
    [{ since: '2025-06-01T10:00:00Z', until: '2025-06-01T10:00:00Z' }, 'until must be after since'],
    [{ since: '2025-05-30T10:00:00Z' }, 'the window from since to until must be at most 24 h (it is 50 h)'],
    [{ since: '2025-06-01T10:00:00Z', destination: '' }, 'destination must not be empty'],
  ])('refuses %j', (body, message) => {
    const parsed = parseRecoverRequest(body, NOW, DAY);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(message);
  });
});
