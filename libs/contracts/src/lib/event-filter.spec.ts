import { messageKindsOf, parseEventFilter, wantsChange } from './event-filter';

const envelope = (value: object) => ({ object: 'whatsapp_business_account', entry: [{ id: 'W', changes: [{ field: 'messages', value }] }] });

describe('event filter', () => {
  it('reads what a messages change carries', () => {
    expect([...messageKindsOf(envelope({ messages: [{ id: 'm' }] }))]).toEqual(['inbound']);
    expect([...messageKindsOf(envelope({ statuses: [{ id: 's' }] }))]).toEqual(['statuses']);
    expect([...messageKindsOf(envelope({ errors: [{ code: 1 }] }))]).toEqual([]);
    expect([...messageKindsOf('garbage')]).toEqual([]);
  });

  it('delivers everything without a filter and reads the body only when it must', () => {
    const kinds = jest.fn(() => new Set<'inbound' | 'statuses'>(['inbound']));
    expect(wantsChange(null, 'messages', kinds)).toBe(true);
    expect(wantsChange(['messages'], 'messages', kinds)).toBe(true);
    expect(wantsChange(['account_update'], 'messages', kinds)).toBe(false);
    expect(kinds).not.toHaveBeenCalled();
  });

  it.each([
    [['messages.statuses'], 'messages', ['statuses'], true],
    [['messages.statuses'], 'messages', ['inbound'], false],
    [['messages.inbound'], 'messages', ['inbound'], true],
    [['messages.inbound', 'messages.statuses'], 'messages', ['statuses'], true],
    [['messages.inbound'], 'messages', [], true],
    [['messages.statuses'], 'account_update', [], false],
    [['account_update'], 'account_update', [], true],
    [['account_update'], null, [], true],
  ] as const)('%j on a %s change carrying %j → %s', (events, field, kinds, wanted) => {
    expect(wantsChange(events, field, () => new Set(kinds))).toBe(wanted);
  });

  it('parses the request value and names the allowed values on refusal', () => {
    expect(parseEventFilter(undefined)).toEqual({ ok: true, events: null });
    expect(parseEventFilter(['messages.statuses', 'messages.statuses'])).toEqual({ ok: true, events: ['messages.statuses'] });
    for (const bad of [[], 'messages', ['inbox'], [3]]) {
      const parsed = parseEventFilter(bad);
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.error).toContain('allowed values: messages, ');
    }
    expect(parseEventFilter(['inbox'])).toMatchObject({ error: expect.stringContaining('"inbox"') });
  });
});
