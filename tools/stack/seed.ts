// Seeds the demo client, channel and API key through the real operator API, as an operator would.
export interface Demo {
  clientId: string;
  channelId: string;
  phoneNumberId: string;
  apiKey: string;
}

async function post<T>(url: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (response.status !== 201) throw new Error(`POST ${new URL(url).pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function seedDemo(gatewayUrl: string, adminToken: string): Promise<Demo> {
  const phoneNumberId = '100000000000001';
  const client = await post<{ id: string }>(`${gatewayUrl}/admin/v1/clients`, adminToken, { name: 'Demo client' });
  const channel = await post<{ id: string }>(`${gatewayUrl}/admin/v1/channels`, adminToken, {
    client_id: client.id,
    phone_number_id: phoneNumberId,
    waba_id: '100000000000002',
    display_phone_number: '15550000001',
  }).catch(async (error: Error) => {
    // a persistent database already holds the demo channel: look it up instead
    if (!error.message.includes('409')) throw error;
    const list = await fetch(`${gatewayUrl}/admin/v1/channels?limit=100`, { headers: { authorization: `Bearer ${adminToken}` } });
    const { data } = (await list.json()) as { data: { id: string; phone_number_id: string }[] };
    const existing = data.find((item) => item.phone_number_id === phoneNumberId);
    if (!existing) throw error;
    return existing;
  });
  const key = await post<{ api_key: string }>(`${gatewayUrl}/admin/v1/channels/${channel.id}/api-keys`, adminToken);
  return { clientId: client.id, channelId: channel.id, phoneNumberId, apiKey: key.api_key };
}
