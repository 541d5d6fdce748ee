import { randomInt } from 'node:crypto';

export interface ProvisionedChannel {
  clientId: string;
  channelId: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  apiKey: string;
}

/** A random id of `length` digits (Meta's ids are digit strings); randomInt is capped at 2^48, hence the pieces. */
export function uniqueDigits(length: number): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 1e9)).padStart(9, '0');
  return digits.slice(0, length);
}

async function call<T>(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Onboards a client with one channel and an API key through the real operator API. */
export async function provisionChannel(gatewayUrl: string, adminToken: string): Promise<ProvisionedChannel> {
  // randomInt's range is limited to 2^48, so 15-digit ids are built from two parts
  const fifteenDigits = () => `${randomInt(100000, 1000000)}${randomInt(0, 1000000000).toString().padStart(9, '0')}`;
  const phoneNumberId = fifteenDigits();
  const wabaId = fifteenDigits();
  const displayPhoneNumber = String(randomInt(10000000000, 99999999999));
  const client = await call<{ id: string }>('POST', `${gatewayUrl}/admin/v1/clients`, adminToken, { name: `client ${phoneNumberId}` });
  if (client.status !== 201) throw new Error(`create client: ${client.status} ${JSON.stringify(client.body)}`);
  const channel = await call<{ id: string }>('POST', `${gatewayUrl}/admin/v1/channels`, adminToken, {
    client_id: client.body.id,
    phone_number_id: phoneNumberId,
    waba_id: wabaId,
    display_phone_number: displayPhoneNumber,
  });
  if (channel.status !== 201) throw new Error(`create channel: ${channel.status} ${JSON.stringify(channel.body)}`);
  const key = await call<{ api_key: string }>('POST', `${gatewayUrl}/admin/v1/channels/${channel.body.id}/api-keys`, adminToken);
  if (key.status !== 201) throw new Error(`issue key: ${key.status} ${JSON.stringify(key.body)}`);
  return {
    clientId: client.body.id,
    channelId: channel.body.id,
    phoneNumberId,
    wabaId,
    displayPhoneNumber,
    apiKey: key.body.api_key,
  };
}
