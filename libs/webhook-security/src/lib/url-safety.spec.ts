import { checkCustomHeaders, isAddressAllowed, parseWebhookUrl, resolveSafeAddress, UnsafeUrlError } from './url-safety';

const strict = { allowHttp: false, allowCidrs: [] };
const dev = { allowHttp: true, allowCidrs: ['127.0.0.0/8'] };

describe('isAddressAllowed', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::',
  ])('refuses %s', (ip) => {
    expect(isAddressAllowed(ip, strict)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (ip) => {
    expect(isAddressAllowed(ip, strict)).toBe(true);
  });

  it('lets the operator allow-list a range', () => {
    expect(isAddressAllowed('127.0.0.1', dev)).toBe(true);
    expect(isAddressAllowed('::ffff:127.0.0.1', dev)).toBe(true);
    expect(isAddressAllowed('10.0.0.1', dev)).toBe(false);
  });

  it('refuses garbage', () => {
    expect(isAddressAllowed('not-an-ip', strict)).toBe(false);
  });
});

describe('parseWebhookUrl', () => {
  it('accepts a public https URL', () => {
    expect(parseWebhookUrl('https://partner.example.com/hook?x=1', strict).hostname).toBe('partner.example.com');
  });

  it.each([
    [undefined, 'required'],
    ['', 'required'],
    ['not a url', 'valid absolute URL'],
    ['http://partner.example.com/', 'https'],
    ['ftp://partner.example.com/', 'https'],
    ['https://user:pass@partner.example.com/', 'credentials'],
    ['https://127.0.0.1/', 'private'],
    ['https://[::1]/', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'private'],
    ['https://10.0.0.5/', 'private'],
    ['https://localhost/', 'loopback'],
    [`https://example.com/${'a'.repeat(2100)}`, 'too long'],
  ])('refuses %s', (url, reason) => {
    expect(() => parseWebhookUrl(url, strict)).toThrow(UnsafeUrlError);
    expect(() => parseWebhookUrl(url, strict)).toThrow(reason);
  });

  it('allows http and loopback only when the operator says so', () => {
    expect(parseWebhookUrl('http://127.0.0.1:8080/hook', dev).port).toBe('8080');
    expect(parseWebhookUrl('http://localhost:8080/hook', dev).hostname).toBe('localhost');
  });
});

describe('resolveSafeAddress', () => {
  it('refuses names that resolve to loopback', async () => {
    await expect(resolveSafeAddress('localhost', strict)).rejects.toThrow(UnsafeUrlError);
  });

  it('returns the literal address when allowed', async () => {
    await expect(resolveSafeAddress('127.0.0.1', dev)).resolves.toEqual({ address: '127.0.0.1', family: 4 });
  });
});

describe('checkCustomHeaders', () => {
  it('accepts ordinary headers', () => {
    expect(checkCustomHeaders({ 'x-typebot-webhook-secret': 's3cret', Authorization: 'Bearer x' })).toBeNull();
    expect(checkCustomHeaders(undefined)).toBeNull();
  });

  it.each([
    [{ Host: 'evil' }, 'cannot be overridden'],
    [{ 'content-length': '1' }, 'cannot be overridden'],
    [{ 'Content-Type': 'text/plain' }, 'cannot be overridden'],
    [{ 'Transfer-Encoding': 'chunked' }, 'cannot be overridden'],
    [{ 'webhook-signature': 'x' }, 'cannot be overridden'],
    [{ 'X-Hub-Signature-256': 'x' }, 'cannot be overridden'],
    [{ 'x-a': 'ok\r\nInjected: 1' }, 'line break'],
    [{ 'bad name': 'x' }, 'invalid header name'],
    [{ 'x-a': 1 }, 'must be a string'],
    [['x'], 'object'],
    [{ 'Keep-Alive': 'timeout=5' }, 'cannot be overridden'],
    [{ Upgrade: 'websocket' }, 'cannot be overridden'],
    [{ Expect: '100-continue' }, 'cannot be overridden'],
    [{ Connection: 'close' }, 'cannot be overridden'],
    [{ 'x-a': 'naïve ✓' }, 'Latin-1'],
    [{ 'x-a': 'tab\tok but bell\u0007' }, 'Latin-1'],
    [{ 'x-a': 'del\u007f' }, 'Latin-1'],
  ])('refuses %j', (headers, reason) => {
    expect(checkCustomHeaders(headers)).toContain(reason);
  });

  // the bind-time check must accept exactly what the router's HTTP client will send
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- undici's own header validation, not exported
  const UndiciRequest = require('undici/lib/core/request.js') as new (origin: string, options: object, handler: object) => unknown;
  const undiciAccepts = (headers: Record<string, string>) => {
    try {
      new UndiciRequest(
        'http://127.0.0.1',
        { path: '/', method: 'POST', headers },
        { onError() {}, onConnect() {}, onHeaders() {}, onData() {}, onComplete() {} },
      );
      return true;
    } catch {
      return false;
    }
  };

  it.each<Record<string, string>>([
    { 'x-token': 'Bearer abc.def' },
    { 'x-latin1': 'café' },
    { 'x-tab': 'a\tb' },
    { 'Keep-Alive': 'timeout=5' },
    { Upgrade: 'h2c' },
    { Expect: '100-continue' },
    { Connection: 'keep-alive, upgrade' },
    { 'x-a': 'naïve ✓' },
    { 'x-a': 'bell\u0007' },
  ])('agrees with undici on %j', (headers) => {
    expect(checkCustomHeaders(headers) === null).toBe(undiciAccepts(headers) && !Object.keys(headers).some((name) => /^(connection)$/i.test(name)));
  });
});
