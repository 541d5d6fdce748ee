import { signMetaPayload } from '@wabridge/webhook-security';

export interface SignedPayload {
  body: Buffer;
  signature: string;
}

/** A realistic inbound text webhook of about `size` bytes; `marker` travels in the message id. */
export function inboundWebhook(phoneNumberId: string, marker: string, size = 1024): Buffer {
  const build = (text: string) =>
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550000001', phone_number_id: phoneNumberId },
                contacts: [{ profile: { name: 'Bench User' }, wa_id: '15550001111' }],
                messages: [{ from: '15550001111', id: `wamid.${marker}`, timestamp: '1718000000', type: 'text', text: { body: text } }],
              },
            },
          ],
        },
      ],
    });
  const bare = build('');
  return Buffer.from(build('x'.repeat(Math.max(0, size - bare.length))));
}

/** Pre-signed variants so the load generator does no crypto of its own. */
export function signedVariants(count: number, secret: string, phoneNumberIds: string[]): SignedPayload[] {
  return Array.from({ length: count }, (_, i) => {
    const body = inboundWebhook(phoneNumberIds[i % phoneNumberIds.length], `bench${i}`);
    return { body, signature: signMetaPayload(body, secret) };
  });
}
