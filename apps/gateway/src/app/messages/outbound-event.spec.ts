import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOutboundEvent } from '@wabridge/contracts';
import { outboundEventFor } from './outbound-event';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../../../../libs/testing/fixtures/meta', name), 'utf8')) as Record<string, unknown>;

const channel = {
  channelId: '2f1c0f57-6a55-4c55-9a53-0c6a3b0f6f11',
  clientId: '8d0b6f0e-3c8e-4a43-8c5e-7d0f1f2a9b22',
  phoneNumberId: '106540352242922',
};
const at = new Date('2025-06-10T08:00:00.000Z');

describe('outboundEventFor', () => {
  it('records a template send with name and language, never recipient or content', () => {
    const request = fixture('send-template-request.json');
    const event = outboundEventFor(request, fixture('send-response.json'), channel, at);
    expect(event).toEqual({
      wamid: 'wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABEYEjBBQzE5RjQyMDk2OEUzQjM5RAA=',
      phone_number_id: '106540352242922',
      channel_id: channel.channelId,
      client_id: channel.clientId,
      type: 'template',
      template: { name: 'order_shipped', language: 'en_US' },
      accepted_at: '2025-06-10T08:00:00.000Z',
    });
    expect(() => assertOutboundEvent(event)).not.toThrow();
    const text = JSON.stringify(event);
    expect(text).not.toContain('4915123456789');
    expect(text).not.toContain('Kerry');
  });

  it('records a text send as type text (also when type is omitted, as Meta defaults it)', () => {
    const response = { messages: [{ id: 'wamid.T' }] };
    expect(outboundEventFor({ to: '1', type: 'text', text: { body: 'hi' } }, response, channel, at)).toMatchObject({ type: 'text', wamid: 'wamid.T' });
    const event = outboundEventFor({ to: '1', text: { body: 'hi' } }, response, channel, at);
    expect(event).toMatchObject({ type: 'text' });
    expect(event).not.toHaveProperty('template');
  });

  it('accepts a bare language string and a missing one', () => {
    const response = { messages: [{ id: 'wamid.L' }] };
    expect(outboundEventFor({ type: 'template', template: { name: 'n', language: 'de' } }, response, channel, at)?.template).toEqual({
      name: 'n',
      language: 'de',
    });
    expect(outboundEventFor({ type: 'template', template: { name: 'n' } }, response, channel, at)?.template).toEqual({ name: 'n', language: '' });
  });

  it.each([
    ['a mark-as-read call', { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.X' }, { success: true }],
    ['a response without messages', { type: 'text' }, { error: { code: 100 } }],
    ['a message without id', { type: 'text' }, { messages: [{}] }],
    ['a non-JSON response', { type: 'text' }, undefined],
  ])('records nothing for %s', (_what, request, response) => {
    expect(outboundEventFor(request, response, channel, at)).toBeNull();
  });
});
