// `npm start`: a demo operator and a demo client user for the web console, made the way a real first
// operator does it (an invite with ADMIN_TOKEN, then the invite link's own accept call). Their passwords
// are generated per start and printed once; an existing account gets the new password.
import { randomBytes } from 'node:crypto';

export interface ConsoleDemo {
  url: string;
  operator: { email: string; password: string };
  client: { email: string; password: string };
}

/** Invites a console user with the operator token and accepts the invite with a generated password. */
export async function joinConsole(gatewayUrl: string, adminToken: string, invite: Record<string, string>): Promise<{ email: string; password: string }> {
  const created = await fetch(`${gatewayUrl}/admin/v1/console/invites`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(invite),
  });
  if (created.status !== 201) throw new Error(`console invite: ${created.status} ${await created.text()}`);
  const { link } = (await created.json()) as { link: string };
  const password = randomBytes(15).toString('base64url');
  const accepted = await fetch(`${gatewayUrl}/console/api/invites/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.split('#/invite/')[1], password }),
  });
  if (accepted.status !== 201) throw new Error(`console invite accept: ${accepted.status} ${await accepted.text()}`);
  return { email: invite.email, password };
}

export async function seedConsoleDemo(gatewayUrl: string, adminToken: string, channelId: string): Promise<ConsoleDemo> {
  // the channel's own client: with a persistent database the demo channel may belong to an earlier run's client
  const channel = await fetch(`${gatewayUrl}/admin/v1/channels/${channelId}`, { headers: { authorization: `Bearer ${adminToken}` } });
  const { client_id: clientId } = (await channel.json()) as { client_id: string };
  return {
    url: `${gatewayUrl}/console/`,
    operator: await joinConsole(gatewayUrl, adminToken, { email: 'operator@wabridge.example', role: 'operator' }),
    client: await joinConsole(gatewayUrl, adminToken, { email: 'client@wabridge.example', role: 'client', client_id: clientId }),
  };
}
