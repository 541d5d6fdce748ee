import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertWebhookEnvelope, type MetaStatus, type MetaWebhookEnvelope } from '@wabridge/contracts';
import { checkSendRequest, displayNumberFor, inboundTextWebhook, pricingCategoryFor, sendResponse, statusWebhook, type BusinessNumber } from './meta-payloads';

const fixture = <T = MetaWebhookEnvelope>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, '../../../../../libs/testing/fixtures/meta', name), 'utf8')) as T;

const firstStatus = (envelope: unknown): MetaStatus => (envelope as MetaWebhookEnvelope).entry[0].changes[0].value.statuses![0];

const number: BusinessNumber = { wabaId: '102290129340398', phoneNumberId: '106540352242922', displayPhoneNumber: '4930609859535' };

describe('simulated Meta payloads', () => {
  it('builds an inbound text webhook shaped exactly like Meta fixture', () => {
    const expected = fixture('inbound-text.json');
    const built = inboundTextWebhook(number, {
      from: '+49 151 23456789',
      text: 'Hi, is my order shipped?',
      name: 'Kerry Fisher',
      wamid: (expected.entry[0].changes[0].value.messages as { id: string }[])[0].id,
      at: new Date(1718000000 * 1000),
    });
    expect(built).toEqual(expected);
    expect(() => assertWebhookEnvelope(built)).not.toThrow();
  });

  it('prices template statuses the PMP way and leaves other messages unpriced', () => {
    const template = statusWebhook(number, { wamid: 'wamid.A', status: 'sent', recipient: '4915123456789', templateName: 'order_shipped' });
    const status = firstStatus(template);
    expect(status).toMatchObject({ id: 'wamid.A', status: 'sent', recipient_id: '4915123456789' });
    expect(status.pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' });
    expect(() => assertWebhookEnvelope(template)).not.toThrow();

    const text = statusWebhook(number, { wamid: 'wamid.B', status: 'read', recipient: '4915123456789', templateName: null });
    expect(firstStatus(text).pricing).toBeUndefined();
  });

  it.each([
    ['summer_sale_2025', 'marketing'],
    ['promo_weekly', 'marketing'],
    ['otp_login', 'authentication'],
    ['verify_code', 'authentication'],
    ['order_shipped', 'utility'],
  ])('guesses the pricing category of template %s as %s', (name, category) => {
    expect(pricingCategoryFor(name)).toBe(category);
  });

  it('answers an accepted send like Meta', () => {
    expect(sendResponse('+4915123456789', 'wamid.X', true)).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '+4915123456789', wa_id: '4915123456789' }],
      messages: [{ id: 'wamid.X', message_status: 'accepted' }],
    });
    expect(sendResponse('4915123456789', 'wamid.Y', false).messages).toEqual([{ id: 'wamid.Y' }]);
  });

  it('checks send requests like the Graph API', () => {
    expect(checkSendRequest(fixture<unknown>('send-template-request.json'))).toEqual({
      kind: 'message',
      to: '4915123456789',
      type: 'template',
      templateName: 'order_shipped',
    });
    expect(checkSendRequest({ messaging_product: 'whatsapp', to: '1', text: { body: 'x' } })).toMatchObject({ kind: 'message', type: 'text' });
    expect(checkSendRequest({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.Z' })).toEqual({
      kind: 'mark_read',
      messageId: 'wamid.Z',
    });
    const missing = checkSendRequest({ to: '1', type: 'text' });
    expect(missing).toMatchObject({ kind: 'error', status: 400, body: { error: { code: 100, type: 'OAuthException' } } });
    expect(checkSendRequest({ messaging_product: 'whatsapp', type: 'template', to: '1', template: {} })).toMatchObject({
      kind: 'error',
      status: 400,
    });
    const rejected = checkSendRequest({ messaging_product: 'whatsapp', to: '0000', type: 'text', text: { body: 'x' } });
    expect(rejected).toMatchObject({
      kind: 'error',
      status: 400,
      body: { error: { code: 131030, error_data: { messaging_product: 'whatsapp' }, fbtrace_id: expect.any(String) } },
    });
  });

  it('derives a stable display number for unknown business numbers', () => {
    expect(displayNumberFor('106540352242922')).toBe('15552242922');
    expect(displayNumberFor('12')).toBe('15550000012');
  });
});
