import { randomInt } from 'node:crypto';

export interface ProvisionedChannel {
  clientId: string;
  channelId: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  apiKey: string;
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
  const phoneNumberId = String(randomInt(100000000000000, 999999999999999));
  const wabaId = String(randomInt(100000000000000, 999999999999999));
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
