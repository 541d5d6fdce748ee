import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toCloudSend, toOnPremiseResponse } from './on-premise';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../../../../libs/testing/fixtures/meta', name), 'utf8')) as Record<string, unknown>;

describe('on-premise conversion', () => {
  it('adds messaging_product, drops the template namespace and keeps language.policy', () => {
    const onPremise = {
      to: '4915123456789',
      type: 'template',
      template: {
        namespace: 'c8ae5f90_307a_ca4c_b8f6_d1e2a2573574',
        name: 'order_shipped',
        language: { policy: 'deterministic', code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Kerry' }] }],
      },
    };
    expect(toCloudSend(onPremise)).toEqual({
      messaging_product: 'whatsapp',
      to: '4915123456789',
      type: 'template',
      template: {
        name: 'order_shipped',
        language: { policy: 'deterministic', code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Kerry' }] }],
      },
    });
    expect(onPremise.template.namespace).toBeDefined();
  });

  it('leaves a Cloud-style body as it is', () => {
    const cloud = fixture('send-template-request.json');
    expect(toCloudSend(cloud)).toEqual(cloud);
    expect(toCloudSend({ messaging_product: 'other', to: '1' })).toEqual({ messaging_product: 'other', to: '1' });
  });

  it('answers an accepted send in the on-premise shape', () => {
    expect(toOnPremiseResponse(fixture('send-response.json'), 'v21.0')).toEqual({
      messages: [{ id: 'wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABEYEjBBQzE5RjQyMDk2OEUzQjM5RAA=' }],
      contacts: [{ input: '+4915123456789', wa_id: '4915123456789' }],
      meta: { api_status: 'stable', version: 'v21.0' },
    });
  });

  it.each([[{ success: true }], [{ messages: [] }], ['text'], [null]])('has no on-premise shape for %j', (body) => {
    expect(toOnPremiseResponse(body, 'v21.0')).toBeNull();
  });
});
