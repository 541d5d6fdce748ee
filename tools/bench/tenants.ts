import { createDataSource } from '@wabridge/persistence';
import { uniqueDigits } from '@wabridge/testing';
import { generateSigningSecret, SecretBox } from '@wabridge/webhook-security';

/**
 * Many tenants for the end-to-end scenario: `channels` channels of one client, channel i bound (its
 * primary destination, with a signing secret of its own) to `endpointUrls[i mod n]`. Written straight
 * to PostgreSQL as the gateway's binding would write them (1,000 bindings through the API would take
 * longer than the scenario); the router reads them as any other. Returns the channels' phone number ids.
 */
export async function provisionTenants(databaseUrl: string, channels: number, endpointUrls: string[]): Promise<string[]> {
  const dataSource = createDataSource({ url: databaseUrl, poolSize: 1, applicationName: 'wabridge-bench-tenants' });
  await dataSource.initialize();
  try {
    const box = SecretBox.fromEnv(process.env.SECRETS_KEY);
    const [{ id: clientId }] = await dataSource.query<{ id: string }[]>('INSERT INTO clients (name) VALUES ($1) RETURNING id', [
      `bench tenants ${uniqueDigits(6)}`,
    ]);
    const phoneNumberIds = Array.from({ length: channels }, () => uniqueDigits(15));
    const rows = await dataSource.query<{ id: string; phone_number_id: string }[]>(
      `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number)
       SELECT $1, phone, waba, display FROM unnest($2::text[], $3::text[], $4::text[]) AS t(phone, waba, display)
       RETURNING id, phone_number_id`,
      [clientId, phoneNumberIds, phoneNumberIds.map(() => uniqueDigits(15)), phoneNumberIds.map(() => uniqueDigits(11))],
    );
    const idOf = new Map(rows.map((row) => [row.phone_number_id, row.id]));
    const channelIds = phoneNumberIds.map((phone) => idOf.get(phone) ?? '');
    await dataSource.query(
      `INSERT INTO webhook_destinations (channel_id, kind, name, url, headers, signing_secret)
       SELECT channel_id::uuid, 'primary', 'primary', url, '{}'::jsonb, secret FROM unnest($1::text[], $2::text[], $3::text[]) AS t(channel_id, url, secret)`,
      [channelIds, channelIds.map((_, i) => endpointUrls[i % endpointUrls.length]), channelIds.map(() => box.seal(generateSigningSecret()))],
    );
    return phoneNumberIds;
  } finally {
    await dataSource.destroy();
  }
}
