import { parseBindingRequest } from './webhook-request';

const strict = { allowHttp: false, allowCidrs: [] };

describe('parseBindingRequest', () => {
  it('accepts a public https URL with custom headers and echoes the URL as given', () => {
    const result = parseBindingRequest({ url: 'https://partner.example/hooks?x=1', headers: { 'X-Token': 'abc' } }, strict);
    expect(result).toEqual({
      ok: true,
      binding: {
        url: 'https://partner.example/hooks?x=1',
        hostname: 'partner.example',
        headers: { 'X-Token': 'abc' },
        onPremiseFormat: false,
        appSecret: null,
        ordered: false,
        events: null,
      },
    });
  });

  it('takes the optional delivery options', () => {
    const result = parseBindingRequest({ url: 'https://partner.example/', on_premise_format: true, app_secret: 'meta-app-secret', ordered: true }, strict);
    expect(result).toMatchObject({ ok: true, binding: { onPremiseFormat: true, appSecret: 'meta-app-secret', ordered: true, headers: {} } });
  });

  it.each([
    [null, 'JSON object'],
    [[], 'JSON object'],
    [{}, 'url is required'],
    [{ url: 'http://partner.example/' }, 'https'],
    [{ url: 'https://user:pw@partner.example/' }, 'credentials'],
    [{ url: 'https://10.1.2.3/' }, 'private'],
    [{ url: 'https://169.254.169.254/latest/meta-data' }, 'private'],
    [{ url: 'https://partner.example/', headers: { Host: 'internal' } }, 'cannot be overridden'],
    [{ url: 'https://partner.example/', headers: { 'X-A': 'a\r\nX-B: b' } }, 'line break'],
    [{ url: 'https://partner.example/', headers: 'x' }, 'object'],
    [{ url: 'https://partner.example/', ordered: 'yes' }, 'ordered must be a boolean'],
    [{ url: 'https://partner.example/', app_secret: '' }, 'app_secret'],
    [{ url: 'https://partner.example/', events: ['messages', 'inbox'] }, 'events has unknown value(s) "inbox"; allowed values: messages,'],
    [{ url: 'https://partner.example/', events: [] }, 'events must be a non-empty array'],
  ])('refuses %j', (body, reason) => {
    const result = parseBindingRequest(body, strict);
    expect(result).toEqual({ ok: false, error: expect.stringContaining(reason) });
  });

  it('takes an events filter, deduplicated', () => {
    const result = parseBindingRequest({ url: 'https://partner.example/', events: ['messages.statuses', 'account_update', 'messages.statuses'] }, strict);
    expect(result).toMatchObject({ ok: true, binding: { events: ['messages.statuses', 'account_update'] } });
  });

  it('allows http and allow-listed addresses when the operator says so', () => {
    const dev = { allowHttp: true, allowCidrs: ['127.0.0.0/8'] };
    expect(parseBindingRequest({ url: 'http://127.0.0.1:8080/hook' }, dev)).toMatchObject({ ok: true });
  });
});
