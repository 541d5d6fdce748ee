import { applyPatch, checkDestinationName, parseAppendRequest, parsePatchRequest, parseReplaceRequest } from './multi-webhook-request';

const strict = { allowHttp: false, allowCidrs: [] };
const a = { name: 'crm', url: 'https://crm.example/hook', headers: { 'X-Token': 't' } };
const b = { name: 'analytics', url: 'https://analytics.example/in' };

describe('/multi_webhook requests', () => {
  it('reads a replace request with its destinations', () => {
    const parsed = parseReplaceRequest({ enabled: true, destinations: [a, b] }, strict, 3);
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        enabled: true,
        destinations: [
          { name: 'crm', url: 'https://crm.example/hook', hostname: 'crm.example', headers: { 'X-Token': 't' } },
          { name: 'analytics', url: 'https://analytics.example/in', headers: {} },
        ],
      },
    });
    expect(parseReplaceRequest({ enabled: false }, strict, 3)).toEqual({ ok: true, value: { enabled: false, destinations: [] } });
    expect(parseReplaceRequest({ enabled: true }, strict, 3)).toEqual({ ok: true, value: { enabled: true, destinations: [] } });
  });

  it('treats names as case-sensitive ids', () => {
    expect(parseReplaceRequest({ enabled: true, destinations: [a, { ...b, name: 'CRM' }] }, strict, 3)).toMatchObject({ ok: true });
    expect(parseReplaceRequest({ enabled: true, destinations: [a, { ...b, name: 'crm' }] }, strict, 3)).toEqual({
      ok: false,
      status: 409,
      error: expect.stringContaining('more than once'),
    });
  });

  it('answers 409 beyond the cap', () => {
    const four = ['a', 'b', 'c', 'd'].map((name) => ({ ...a, name }));
    expect(parseReplaceRequest({ enabled: true, destinations: four }, strict, 3)).toEqual({
      ok: false,
      status: 409,
      error: expect.stringContaining('at most 3'),
    });
    expect(parseReplaceRequest({ enabled: true, destinations: four }, strict, 4)).toMatchObject({ ok: true });
    expect(parseAppendRequest({ destinations: four }, strict, 3)).toMatchObject({ ok: false, status: 409 });
  });

  it.each([
    ['not an object', 'x', 'JSON object'],
    ['no enabled flag', { destinations: [a] }, 'enabled is required'],
    ['a non-boolean flag', { enabled: 'yes' }, 'enabled is required'],
    ['destinations that are no array', { enabled: true, destinations: a }, 'must be an array'],
    ['destinations while disabled', { enabled: false, destinations: [a] }, 'only be set with enabled: true'],
    ['a destination without a name', { enabled: true, destinations: [{ url: a.url }] }, 'destinations[0].name is required'],
    ['the reserved name', { enabled: true, destinations: [{ ...a, name: 'primary' }] }, 'reserved'],
    ['an unsafe url', { enabled: true, destinations: [a, { ...b, url: 'https://10.0.0.1/x' }] }, 'destinations[1]'],
    ['plain http', { enabled: true, destinations: [{ ...a, url: 'http://crm.example/' }] }, 'https'],
    ['a header override', { enabled: true, destinations: [{ ...a, headers: { 'Content-Type': 'text/plain' } }] }, 'cannot be overridden'],
    ['a header with a line break', { enabled: true, destinations: [{ ...a, headers: { 'X-A': 'a\nb' } }] }, 'line break'],
  ])('refuses %s with 400', (_what, body, reason) => {
    expect(parseReplaceRequest(body, strict, 3)).toEqual({ ok: false, status: 400, error: expect.stringContaining(reason) });
  });

  it.each([[''], [' padded'], ['tab\there'], ['x'.repeat(65)], [7], ['ümlaut']])('refuses the name %j', (name) => {
    expect(checkDestinationName(name)).not.toBeNull();
  });

  it('reads an append of a list or of one bare destination', () => {
    expect(parseAppendRequest({ destinations: [a] }, strict, 3)).toMatchObject({ ok: true, value: [{ name: 'crm' }] });
    expect(parseAppendRequest(b, strict, 3)).toMatchObject({ ok: true, value: [{ name: 'analytics' }] });
    expect(parseAppendRequest({ destinations: [] }, strict, 3)).toMatchObject({ ok: false, status: 400 });
    expect(parseAppendRequest([a], strict, 3)).toMatchObject({ ok: false, status: 400 });
  });

  it('reads a patch and validates the result like a new destination', () => {
    expect(parsePatchRequest({ name: 'crm', url: 'https://new.example/' })).toEqual({
      ok: true,
      value: { name: 'crm', changes: { url: 'https://new.example/' } },
    });
    expect(parsePatchRequest({ name: 'crm' })).toMatchObject({ ok: false, status: 400, error: expect.stringContaining('nothing to change') });
    expect(parsePatchRequest({ url: 'https://new.example/' })).toMatchObject({ ok: false, status: 400 });

    const stored = {
      name: 'crm',
      url: 'https://crm.example/hook',
      headers: { 'X-Token': 't' },
      on_premise_format: false,
      app_secret: null,
      ordered: false,
      events: ['messages.statuses'],
    };
    expect(applyPatch(stored, { headers: { 'X-Other': 'o' } }, strict)).toMatchObject({
      ok: true,
      value: { name: 'crm', url: 'https://crm.example/hook', headers: { 'X-Other': 'o' }, events: ['messages.statuses'] },
    });
    // null lifts the filter; an unknown value is refused like on a new destination
    expect(applyPatch(stored, { events: null }, strict)).toMatchObject({ ok: true, value: { events: null } });
    expect(applyPatch(stored, { events: ['inbox'] }, strict)).toMatchObject({ ok: false, status: 400, error: expect.stringContaining('allowed values') });
    expect(applyPatch(stored, { url: 'https://169.254.169.254/' }, strict)).toMatchObject({ ok: false, status: 400 });
  });
});
