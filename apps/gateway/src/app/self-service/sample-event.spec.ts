import { messageKindsOf } from '@wabridge/contracts';
import { sampleEvent, SAMPLE_USER, testEventId } from './sample-event';

const channel = { phoneNumberId: '106540352242922', wabaId: '102290129340398', displayPhoneNumber: '4930609859535' };
const NOW = new Date('2025-06-01T12:00:00Z');

describe('sampleEvent', () => {
  it("is an inbound message to the channel's own number from Meta's sample sender", () => {
    const envelope = JSON.parse(sampleEvent(channel, null, NOW).toString('utf8'));
    expect(envelope.object).toBe('whatsapp_business_account');
    expect(envelope.entry[0].id).toBe(channel.wabaId);
    const value = envelope.entry[0].changes[0].value;
    expect(value.metadata).toEqual({ display_phone_number: channel.displayPhoneNumber, phone_number_id: channel.phoneNumberId });
    expect(value.messages[0]).toMatchObject({ from: SAMPLE_USER, timestamp: '1748779200', type: 'text' });
    expect([...messageKindsOf(envelope)]).toEqual(['inbound']);
  });

  it('is a status for a destination that asked for statuses only', () => {
    expect([...messageKindsOf(JSON.parse(sampleEvent(channel, ['messages.statuses'], NOW).toString('utf8')))]).toEqual(['statuses']);
    expect([...messageKindsOf(JSON.parse(sampleEvent(channel, ['messages.statuses', 'messages.inbound'], NOW).toString('utf8')))]).toEqual(['inbound']);
  });

  it('has a webhook-id no real event can have', () => {
    expect(testEventId()).toMatch(/^evt_test_[A-Za-z0-9_-]{22}$/);
    expect(testEventId()).not.toBe(testEventId());
  });
});
