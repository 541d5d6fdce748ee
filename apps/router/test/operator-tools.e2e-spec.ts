import { bindingPropagated, provisionChannel, waitFor } from '@wabridge/testing';
import { Webhook } from 'standardwebhooks';
import { RouterSuite } from './router-test-kit';

/**
 * The operator's tools and the partner's secret rotation, end to end: the gateway's admin API over
 * what the router wrote (deliveries rows, the dead-letter topic), and the router signing with the
 * secrets the gateway stored. A 3 s retry window (3000 s × 0.001) makes dead letters quickly.
 */
describe('operator tools: deliveries, dead letters, replay; secret rotation', () => {
  const suite = RouterSuite.use({ services: ['router', 'gateway'], env: { router: { RETRY_WINDOW: '3000s' } } });

  const admin = async (method: string, path: string, body?: unknown, token = suite.stack.adminToken) => {
    const response = await fetch(`${suite.stack.url('gateway')}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const partnerCall = async (apiKey: string, path: string, body?: unknown) => {
    const response = await fetch(`${suite.stack.url('gateway')}${path}`, {
      method: 'POST',
      headers: { 'd360-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('lists a channel’s deliveries and dead letters, and replays them by ids and by time range', async () => {
    const server = await suite.partner(500);
    const channel = await suite.kit.channel();
    const other = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, server.url);
    await suite.kit.bind(other.channelId, server.url);
    const first = await suite.kit.publish(channel);
    const second = await suite.kit.publish(channel);
    const foreign = await suite.kit.publish(other);
    for (const event of [first, second, foreign]) {
      await suite.kit.waitForRow(event.eventId, (row) => row.state === 'dead', 'the event to be dead', 30_000);
    }

    const page1 = await admin('GET', `/admin/v1/channels/${channel.channelId}/deliveries?limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body.data).toEqual([expect.objectContaining({ channel_id: channel.channelId, state: 'dead', last_status_code: 500 })]);
    expect(typeof page1.body.next_cursor).toBe('string');
    const page2 = await admin('GET', `/admin/v1/channels/${channel.channelId}/deliveries?limit=1&cursor=${String(page1.body.next_cursor)}`);
    expect(page2.body.next_cursor).toBeNull();
    const listed = [...(page1.body.data as { event_id: string }[]), ...(page2.body.data as { event_id: string }[])].map((row) => row.event_id);
    expect(listed.sort()).toEqual([first.eventId, second.eventId].sort());

    const dead = await admin('GET', `/admin/v1/dead-letters?channel_id=${channel.channelId}`);
    expect(dead.status).toBe(200);
    expect((dead.body.data as { event_id: string; state: string }[]).map((row) => row.event_id).sort()).toEqual([first.eventId, second.eventId].sort());

    // bad input has defined answers
    expect((await admin('GET', `/admin/v1/dead-letters`, undefined, 'wrong')).status).toBe(401);
    expect((await admin('GET', `/admin/v1/channels/not-a-uuid/deliveries`)).status).toBe(400);
    expect((await admin('GET', `/admin/v1/channels/00000000-0000-4000-8000-000000000000/deliveries`)).status).toBe(404);
    expect((await admin('GET', `/admin/v1/dead-letters?cursor=garbage`)).status).toBe(400);
    expect((await admin('POST', `/admin/v1/dead-letters/replay`, { ids: [] })).status).toBe(400);
    expect(await admin('POST', `/admin/v1/dead-letters/replay`, { ids: ['evt_never_seen'] })).toEqual({ status: 200, body: { replayed: 0 } });

    server.respondWith(200);
    const replayAt = Date.now();
    const byId = await admin('POST', `/admin/v1/dead-letters/replay`, { ids: [first.eventId] });
    expect(byId).toEqual({ status: 200, body: { replayed: 1 } });
    const [again] = await server.waitForRequests(1, 20_000, (request) => request.headers['webhook-id'] === first.eventId && request.at >= replayAt);
    expect(again.body.equals(first.body)).toBe(true);
    await suite.kit.waitForRow(first.eventId, (row) => row.state === 'replayed', 'the row to show replayed');
    expect((await suite.kit.deliveryRow(second.eventId))?.state).toBe('dead');

    const rangeAt = Date.now();
    const range = await admin('POST', `/admin/v1/dead-letters/replay`, {
      channel_id: channel.channelId,
      from: new Date(first.producedAt - 60_000).toISOString(),
      to: new Date(Date.now() + 1000).toISOString(),
    });
    // both dead letters of the channel are in the range (the first one's is still on the topic); the other channel's is not
    expect(range).toEqual({ status: 200, body: { replayed: 2 } });
    await server.waitForRequests(1, 20_000, (request) => request.headers['webhook-id'] === second.eventId && request.at >= rangeAt);
    await suite.kit.waitForRow(second.eventId, (row) => row.state === 'replayed', 'the second row to show replayed');
    expect((await suite.kit.deliveryRow(foreign.eventId))?.state).toBe('dead');
  }, 90_000);

  it('signs with both secrets for 24 h after a rotation, and a new binding never gets the old secret', async () => {
    const server = await suite.partner();
    const channel = await provisionChannel(suite.stack.url('gateway'), suite.stack.adminToken);

    expect((await partnerCall(channel.apiKey, '/v1/configs/webhook/rotate-secret')).status).toBe(404);
    expect((await partnerCall('not-a-key', '/v1/configs/webhook/rotate-secret')).status).toBe(401);

    const bound = await partnerCall(channel.apiKey, '/v1/configs/webhook', { url: `${server.url}/hook` });
    expect(bound.status).toBe(200);
    const oldSecret = String(bound.body.signing_secret);
    const rotated = await partnerCall(channel.apiKey, '/v1/configs/webhook/rotate-secret');
    expect(rotated.status).toBe(200);
    const newSecret = String(rotated.body.signing_secret);
    expect(newSecret).not.toBe(oldSecret);
    const expiresAt = Date.parse(String(rotated.body.previous_secret_expires_at));
    expect(Math.abs(expiresAt - (Date.now() + 24 * 3600_000))).toBeLessThan(60_000);

    await bindingPropagated(); // the rotation is a binding change: it reaches the router within its 1 s bound
    const during = await suite.kit.publish(channel);
    const [signedTwice] = await server.waitForRequests(1, 20_000, (request) => request.headers['webhook-id'] === during.eventId);
    expect(signedTwice.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(signedTwice.body, signedTwice.headers)).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(signedTwice.body, signedTwice.headers)).not.toThrow();

    // a rebinding (a new partner, maybe) starts with its own secret only
    const rebound = await partnerCall(channel.apiKey, '/v1/configs/webhook', { url: `${server.url}/other` });
    const freshSecret = String(rebound.body.signing_secret);
    const row = await waitFor(
      async () => {
        const rows: { previous_signing_secret: string | null }[] = await suite.kit.db.query(
          `SELECT previous_signing_secret FROM webhook_destinations WHERE channel_id = $1 AND kind = 'primary'`,
          [channel.channelId],
        );
        return rows[0];
      },
      { what: 'the binding row' },
    );
    expect(row.previous_signing_secret).toBeNull();
    await bindingPropagated();
    const after = await suite.kit.publish(channel);
    const [signedOnce] = await server.waitForRequests(1, 20_000, (request) => request.headers['webhook-id'] === after.eventId);
    expect(signedOnce.path).toBe('/other');
    expect(signedOnce.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => new Webhook(freshSecret).verify(signedOnce.body, signedOnce.headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(signedOnce.body, signedOnce.headers)).toThrow();
    expect(() => new Webhook(oldSecret).verify(signedOnce.body, signedOnce.headers)).toThrow();
  }, 60_000);
});
