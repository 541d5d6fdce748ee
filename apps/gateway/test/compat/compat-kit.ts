import type { TestStack } from '@wabridge/testing';
import { bearer, call } from '../support/http';

/** What the simulated Graph API received for a number, oldest first. */
export interface ForwardedSend {
  version: string;
  phone_number_id: string;
  body: Record<string, unknown>;
}

export async function forwardedSends(stack: TestStack, phoneNumberId: string): Promise<ForwardedSend[]> {
  const answer = await call<{ requests: ForwardedSend[] }>('GET', `${stack.url('wa-sim')}/sim/requests?phone_number_id=${phoneNumberId}`);
  return answer.body.requests;
}

/** Creates an approved template in the WABA directly at "Meta", as a business does in its manager. */
export async function createTemplate(
  stack: TestStack,
  wabaId: string,
  name: string,
  language = 'en_US',
  bodyText = 'Hi {{1}}, your order {{2}} has shipped.',
): Promise<void> {
  const answer = await call('POST', `${stack.url('wa-sim')}/v21.0/${wabaId}/message_templates`, {
    headers: bearer(stack.graphToken),
    body: { name, language, category: 'UTILITY', components: [{ type: 'BODY', text: bodyText, example: { body_text: [['Kerry', '10023']] } }] },
  });
  if (answer.status !== 200) throw new Error(`template ${name}: ${answer.status} ${answer.text}`);
}

/** Uploads a file at "Meta" for the number, standing in for media a user sent in (its id arrives in a webhook). */
export async function inboundMedia(stack: TestStack, phoneNumberId: string, bytes: Buffer, mimeType: string): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('file', new Blob([bytes], { type: mimeType }), 'inbound');
  const response = await fetch(`${stack.url('wa-sim')}/v21.0/${phoneNumberId}/media`, { method: 'POST', headers: bearer(stack.graphToken), body: form });
  const body = (await response.json()) as { id?: string };
  if (!body.id) throw new Error(`inbound media: ${response.status}`);
  return body.id;
}

/** GET returning the raw bytes, as clients that stream media do. */
export async function getBytes(url: string, headers: Record<string, string>): Promise<{ status: number; contentType: string | null; bytes: Buffer }> {
  const response = await fetch(url, { headers });
  return { status: response.status, contentType: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Tells "Meta" about a channel's number and WABA, so its Graph nodes exist there as they do at Meta. */
export async function registerNumber(stack: TestStack, channel: { phoneNumberId: string; wabaId: string; displayPhoneNumber: string }): Promise<void> {
  const answer = await call('POST', `${stack.url('wa-sim')}/sim/numbers`, {
    body: { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, display_phone_number: channel.displayPhoneNumber },
  });
  if (answer.status !== 200) throw new Error(`register number: ${answer.status} ${answer.text}`);
}
