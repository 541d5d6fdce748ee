import { ConfigError } from '@wabridge/config';
import { loadWaSimConfig } from './wa-sim.config';

describe('wa-sim config', () => {
  const minimal = { GRAPH_API_TOKEN: 'token', META_APP_SECRET: 'secret' };

  it('applies the defaults', () => {
    expect(loadWaSimConfig(minimal)).toEqual({
      logLevel: 'info',
      host: '0.0.0.0',
      port: 3010,
      graphApiToken: 'token',
      ingressUrl: 'http://127.0.0.1:3001/webhooks/whatsapp',
      appSecret: 'secret',
      autoStatuses: true,
      statusDelayMs: 5,
      wabaId: 'sim-waba',
    });
  });

  it.each(['GRAPH_API_TOKEN', 'META_APP_SECRET'])('requires %s', (variable) => {
    expect(() => loadWaSimConfig({ ...minimal, [variable]: undefined })).toThrow(ConfigError);
  });

  it('refuses a relative ingress URL and a bad flag', () => {
    expect(() => loadWaSimConfig({ ...minimal, WA_SIM_INGRESS_URL: '/webhooks' })).toThrow(/WA_SIM_INGRESS_URL/);
    expect(() => loadWaSimConfig({ ...minimal, WA_SIM_AUTO_STATUSES: 'sometimes' })).toThrow(/WA_SIM_AUTO_STATUSES/);
  });
});
