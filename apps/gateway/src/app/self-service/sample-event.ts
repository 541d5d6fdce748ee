import { randomBytes } from 'node:crypto';
import { toMetaJsonBytes } from '@wabridge/contracts';

/** Meta's own sample sender in its webhook examples: no real person's number ever goes out in a test. */
export const SAMPLE_USER = '16315551181';

export const TEST_EVENT_PREFIX = 'evt_test_';

/** A test send's `webhook-id`: never an event id the router could have produced. */
export function testEventId(): string {
  return `${TEST_EVENT_PREFIX}${randomBytes(16).toString('base64url')}`;
}

export interface SampleChannel {
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
}

/**
 * One Meta Cloud API `messages` change as the destination would receive it: a status when the
 * destination asked for statuses and not for inbound messages, else an inbound text message. Its
 * metadata names the channel's own number, so partner code that routes by `phone_number_id` is tested too.
 */
export function sampleEvent(channel: SampleChannel, events: readonly string[] | null, now: Date): Buffer {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const wamid = `wamid.TEST${randomBytes(12).toString('hex').toUpperCase()}`;
  const statusesOnly = events !== null && events.includes('messages.statuses') && !events.includes('messages') && !events.includes('messages.inbound');
  const value = statusesOnly
    ? { statuses: [{ id: wamid, status: 'delivered', timestamp, recipient_id: SAMPLE_USER }] }
    : {
        contacts: [{ profile: { name: 'wabridge test' }, wa_id: SAMPLE_USER }],
        messages: [{ from: SAMPLE_USER, id: wamid, timestamp, type: 'text', text: { body: 'Test event from wabridge: your webhook works.' } }],
      };
  const envelope = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: channel.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: channel.displayPhoneNumber, phone_number_id: channel.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
  // in Meta's wire encoding, like every body wabridge writes, so SDK-style signature checks pass on test events too
  return toMetaJsonBytes(envelope);
}
