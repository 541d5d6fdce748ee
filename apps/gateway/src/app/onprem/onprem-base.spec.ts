import type { IncomingMessage } from 'node:http';
import { rewriteOnPremiseUrl, viaOnPremiseBase, withoutOnPremisePrefix } from './onprem-base';

describe('the /onprem base path', () => {
  it.each([
    ['/onprem/v1/configs/webhook', '/v1/configs/webhook'],
    ['/onprem/v1/media/123?x=1', '/v1/media/123?x=1'],
    ['/onprem', '/'],
    ['/onprem?x=1', '/?x=1'],
    ['/onpremise/v1/messages', '/onpremise/v1/messages'],
    ['/v1/messages', '/v1/messages'],
    ['/x/onprem/v1', '/x/onprem/v1'],
  ])('routes %s as %s', (url, routed) => {
    expect(withoutOnPremisePrefix(url)).toBe(routed);
  });

  it('tells requests that came in through it', () => {
    const through = { url: '/onprem/v1/configs/webhook' } as IncomingMessage;
    const direct = { url: '/v1/configs/webhook' } as IncomingMessage;
    expect(rewriteOnPremiseUrl(through)).toBe('/v1/configs/webhook');
    expect(rewriteOnPremiseUrl(direct)).toBe('/v1/configs/webhook');
    expect(viaOnPremiseBase({ raw: through })).toBe(true);
    expect(viaOnPremiseBase({ raw: direct })).toBe(false);
  });
});
