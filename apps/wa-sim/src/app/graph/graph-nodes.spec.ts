import { businessProfile, checkProfileUpdate, phoneNumberNode, templateNamespace, wabaNode } from './graph-nodes';

const number = { phoneNumberId: '106540352242922', wabaId: '102290129340398', displayPhoneNumber: '4930609859535' };

describe('simulated Graph nodes', () => {
  it('answers a number node with default or requested fields', () => {
    expect(phoneNumberNode(number, undefined)).toEqual({
      verified_name: 'Business 9535',
      code_verification_status: 'VERIFIED',
      display_phone_number: '+4930609859535',
      quality_rating: 'GREEN',
      platform_type: 'CLOUD_API',
      throughput: { level: 'STANDARD' },
      id: number.phoneNumberId,
    });
    expect(phoneNumberNode(number, 'health_status')).toMatchObject({ id: number.phoneNumberId, health_status: { can_send_message: 'AVAILABLE' } });
  });

  it('answers a WABA node with a stable namespace', () => {
    expect(wabaNode(number.wabaId, 'message_template_namespace')).toEqual({ id: number.wabaId, message_template_namespace: templateNamespace(number.wabaId) });
    expect(templateNamespace(number.wabaId)).toMatch(/^[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$/);
  });

  it('checks business profile updates as Meta does', () => {
    expect(checkProfileUpdate({ messaging_product: 'whatsapp', about: 'Open 9-5', websites: ['https://a.example'] })).toEqual({
      ok: true,
      fields: { about: 'Open 9-5', websites: ['https://a.example'] },
    });
    for (const body of [
      { about: 'x' },
      { messaging_product: 'whatsapp', about: 'x'.repeat(140) },
      { messaging_product: 'whatsapp', vertical: 'SPACE' },
      { messaging_product: 'whatsapp', websites: ['a', 'b', 'c'] },
      { messaging_product: 'whatsapp', colour: 'red' },
      [],
    ]) {
      expect(checkProfileUpdate(body).ok).toBe(false);
    }
    expect(businessProfile({ about: 'Open 9-5', email: 'a@b.example' }, 'about')).toEqual({ data: [{ messaging_product: 'whatsapp', about: 'Open 9-5' }] });
  });
});
