// The console's accounts against the real gateway and PostgreSQL (and metering for usage): invites,
// passwords, sessions, CSRF, sign-in limits, security headers and client isolation (docs/console.md).
import { ConsoleClient, provisionChannel, TestStack, testInfra, type ProvisionedChannel } from '@wabridge/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const PASSWORD = 'correct horse battery staple';

describe('console: accounts, sessions and isolation', () => {
  let stack: TestStack;
  let gateway: string;
  let db: Client;
  let operator: ConsoleClient;
  let mine: ProvisionedChannel;
  let theirs: ProvisionedChannel;
  let clientUser: ConsoleClient;
  let clientEmail: string;

  const email = (who: string) => `${who}-${randomBytes(4).toString('hex')}@example.com`;
  const invite = (body: Record<string, unknown>) => ConsoleClient.invite(gateway, stack.adminToken, body);

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'metering'] });
    gateway = stack.url('gateway');
    db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
    const operatorEmail = email('operator');
    operator = await ConsoleClient.join(gateway, (await invite({ email: operatorEmail, role: 'operator' })).token, operatorEmail, PASSWORD);
    mine = await provisionChannel(gateway, stack.adminToken);
    theirs = await provisionChannel(gateway, stack.adminToken);
    clientEmail = email('client');
    const created = await operator.call('POST', '/invites', { email: clientEmail, role: 'client', client_id: mine.clientId });
    expect(created.status).toBe(201);
    clientUser = await ConsoleClient.join(gateway, String(created.body.link).split('#/invite/')[1], clientEmail, PASSWORD);
  }, 120000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  describe('invites', () => {
    it('are made only with the operator token (the first operator) or by a signed-in operator', async () => {
      const refused = await fetch(`${gateway}/admin/v1/console/invites`, {
        method: 'POST',
        headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
        body: JSON.stringify({ email: email('x'), role: 'operator' }),
      });
      expect(refused.status).toBe(401);
      expect((await clientUser.call('POST', '/invites', { email: email('y'), role: 'operator' })).status).toBe(403);
      expect((await new ConsoleClient(gateway).call('POST', '/invites', { email: email('z'), role: 'operator' })).status).toBe(401);
    });

    it('validate their input and name the field', async () => {
      expect((await invite({ email: 'not-an-email', role: 'operator' })).status).toBe(400);
      const noClient = await operator.call('POST', '/invites', { email: email('c'), role: 'client' });
      expect(noClient).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^client_id /) } });
      const unknownClient = await operator.call('POST', '/invites', { email: email('c'), role: 'client', client_id: '00000000-0000-4000-8000-000000000000' });
      expect(unknownClient.status).toBe(404);
    });

    it('carry the token in the fragment and are used once only', async () => {
      const who = email('once');
      const { token, link } = await invite({ email: who, role: 'operator' });
      expect(link).toMatch(new RegExp(`^${gateway}/console/#/invite/[A-Za-z0-9_-]{43}$`));
      const anyone = new ConsoleClient(gateway);
      expect(await anyone.call('POST', '/invites/inspect', { token })).toMatchObject({ status: 200, body: { email: who, role: 'operator' } });
      expect((await anyone.call('POST', '/invites/accept', { token, password: 'short' })).status).toBe(400);
      expect((await anyone.call('POST', '/invites/accept', { token, password: PASSWORD })).status).toBe(201);
      const reused = await anyone.call('POST', '/invites/accept', { token, password: 'another long password' });
      expect(reused).toMatchObject({ status: 410, body: { error: expect.stringMatching(/already used or has expired/) } });
      expect((await anyone.call('POST', '/invites/inspect', { token })).status).toBe(410);
      // the reused invite did not change the password
      expect((await new ConsoleClient(gateway).signIn(who, PASSWORD)).status).toBe(200);
    });

    it('expire', async () => {
      const who = email('late');
      const { token } = await invite({ email: who, role: 'operator', expires_in_hours: 1 });
      await db.query(`UPDATE console_invites SET expires_at = now() - interval '1 second' WHERE email = $1`, [who]);
      expect((await new ConsoleClient(gateway).call('POST', '/invites/accept', { token, password: PASSWORD })).status).toBe(410);
      expect((await new ConsoleClient(gateway).signIn(who, PASSWORD)).status).toBe(401);
    });

    it('store only hashes: of the invite token and (scrypt) of the password', async () => {
      const { rows } = await db.query(`SELECT password_hash FROM console_users WHERE email = $1`, [clientEmail]);
      expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(rows[0].password_hash).not.toContain(PASSWORD);
      const invites = await db.query(`SELECT token_hash FROM console_invites`);
      for (const row of invites.rows) expect(row.token_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('sessions', () => {
    it('live in an HttpOnly, SameSite=Strict cookie scoped to /console (no Secure over plain http)', async () => {
      const signedIn = await new ConsoleClient(gateway).signIn(clientEmail, PASSWORD);
      expect(signedIn.status).toBe(200);
      const cookie = signedIn.setCookie ?? '';
      expect(cookie).toMatch(/^wabridge_console=[A-Za-z0-9_-]{43}; /);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Path=/console');
      expect(cookie).toMatch(/Max-Age=43200/);
      expect(cookie).not.toContain('Secure');
      expect(signedIn.body).toMatchObject({ user: { email: clientEmail, role: 'client', client_id: mine.clientId }, csrf_token: expect.any(String) });
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM console_sessions WHERE token_hash = $1`, [cookie.split(';')[0].split('=')[1]]);
      expect(rows[0].n).toBe(0); // only the hash is stored
    });

    it('refuse wrong passwords and unknown accounts alike', async () => {
      const wrong = await new ConsoleClient(gateway).signIn(clientEmail, 'not the password at all');
      const unknown = await new ConsoleClient(gateway).signIn(email('nobody'), PASSWORD);
      expect(wrong).toMatchObject({ status: 401, body: { error: 'wrong e-mail or password' } });
      expect(unknown).toMatchObject({ status: 401, body: { error: 'wrong e-mail or password' } });
      await new ConsoleClient(gateway).signIn(clientEmail, PASSWORD); // resets the count
    });

    it('slow repeated wrong passwords: after five, even the right one waits (429 with Retry-After seconds)', async () => {
      const who = email('guessed');
      await ConsoleClient.join(gateway, (await invite({ email: who, role: 'operator' })).token, who, PASSWORD);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        expect((await new ConsoleClient(gateway).signIn(who, `wrong password ${attempt}`)).status).toBe(401);
      }
      const locked = await new ConsoleClient(gateway).signIn(who, PASSWORD);
      expect(locked).toMatchObject({ status: 429, body: { retry_after_seconds: expect.any(Number) } });
      expect(locked.body.retry_after_seconds).toBeGreaterThan(0);
      expect(locked.headers.get('retry-after')).toBe(String(locked.body.retry_after_seconds));
      expect(locked.body.retry_after_seconds).toBeLessThanOrEqual(15);
      // once the lock has passed, the right password works again
      await db.query(`UPDATE console_users SET locked_until = now() - interval '1 second' WHERE email = $1`, [who]);
      expect((await new ConsoleClient(gateway).signIn(who, PASSWORD)).status).toBe(200);
    });

    it('require the CSRF token on every change', async () => {
      // other test files share this database and create clients of their own: only a forged one counts
      const forged = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM clients WHERE name = 'Forged GmbH'`)).rows[0].n;
      const before = await forged();
      const without = await operator.call('POST', '/clients', { name: 'Forged GmbH' }, { csrf: false });
      const wrong = await operator.call('POST', '/clients', { name: 'Forged GmbH' }, { csrf: randomBytes(32).toString('base64url') });
      const otherSession = await operator.call('POST', '/clients', { name: 'Forged GmbH' }, { csrf: clientUser.csrfToken });
      for (const answer of [without, wrong, otherSession]) expect(answer).toMatchObject({ status: 403, body: { error: 'missing or invalid CSRF token' } });
      expect(await forged()).toBe(before);
      expect((await operator.call('POST', '/clients', { name: 'Real GmbH' })).status).toBe(201);
      expect((await clientUser.call('POST', `/channels/${mine.channelId}/api-keys`, undefined, { csrf: false })).status).toBe(403);
      expect((await clientUser.call('POST', '/sign-out', undefined, { csrf: false })).status).toBe(403);
    });

    it('end at sign-out, on the server', async () => {
      const user = new ConsoleClient(gateway);
      await user.signIn(clientEmail, PASSWORD);
      expect((await user.call('GET', '/session')).status).toBe(200);
      const out = await user.call('POST', '/sign-out');
      expect(out.status).toBe(204);
      expect(out.setCookie).toMatch(/^wabridge_console=; Path=\/console; Max-Age=0/);
      expect((await user.call('GET', '/session')).status).toBe(401);
      expect((await user.call('GET', '/channels')).status).toBe(401);
    });

    it('put a strict CSP and the other security headers on every console response', async () => {
      for (const path of ['/console/api/session', '/console/api/channels', '/console']) {
        const response = await fetch(`${gateway}${path}`, { redirect: 'manual' });
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });
  });

  describe('what a client user sees', () => {
    it('their own numbers only, with the key date and the host, never a key', async () => {
      const listed = await clientUser.call('GET', '/channels');
      expect(listed.status).toBe(200);
      const data = listed.body.data as { id: string; key_issued_at: string | null; bound: boolean; delivery: { health: string } }[];
      expect(data.map((channel) => channel.id)).toEqual([mine.channelId]);
      expect(data[0]).toMatchObject({ bound: false, delivery: { health: 'unbound' }, key_issued_at: expect.any(String) });
      expect(JSON.stringify(listed.body)).not.toContain(mine.apiKey);
      // asking for another client is refused, not silently narrowed
      expect((await clientUser.call('GET', `/channels?client_id=${theirs.clientId}`)).status).toBe(403);
    });

    it("gets 403 on another client's number, key and usage", async () => {
      expect((await clientUser.call('GET', `/channels/${theirs.channelId}`)).status).toBe(403);
      expect((await clientUser.call('POST', `/channels/${theirs.channelId}/api-keys`)).status).toBe(403);
      expect((await clientUser.call('GET', `/usage?client_id=${theirs.clientId}`)).status).toBe(403);
      expect((await clientUser.call('GET', `/statements/2026-01?client_id=${theirs.clientId}`)).status).toBe(403);
      // the other client's key still works: nothing was revoked
      const still = await fetch(`${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': theirs.apiKey } });
      expect(still.status).not.toBe(401);
    });

    it('gets 403 on operator pages', async () => {
      for (const path of ['/clients', '/dead-letters', '/health', `/channels/${mine.channelId}/deliveries`]) {
        expect((await clientUser.call('GET', path)).status).toBe(403);
      }
      expect((await clientUser.call('POST', '/dead-letters/replay', { ids: ['evt_x'] })).status).toBe(403);
    });

    it('generates a key for their own number: the old one stops working at once', async () => {
      const issued = await clientUser.call('POST', `/channels/${mine.channelId}/api-keys`);
      expect(issued).toMatchObject({ status: 201, body: { api_key: expect.any(String) } });
      const old = await fetch(`${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': mine.apiKey } });
      expect(old.status).toBe(401);
      const fresh = await fetch(`${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': String(issued.body.api_key) } });
      expect(fresh.status).not.toBe(401);
      mine = { ...mine, apiKey: String(issued.body.api_key) };
    });

    it('generates a key for one partner slot of a number with several: the other slot keeps its key', async () => {
      const slots = await fetch(`${gateway}/admin/v1/channels/${mine.channelId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ partner_slots: 2 }),
      });
      expect(slots.status).toBe(200);
      const seen = await clientUser.call('GET', `/channels/${mine.channelId}`);
      expect(seen.body).toMatchObject({ partner_slots: 2, slots: [{ slot: '1', key_issued_at: expect.any(String) }] });
      const issued = await clientUser.call('POST', `/channels/${mine.channelId}/api-keys`, { slot: 'inbox' });
      expect(issued).toMatchObject({ status: 201, body: { slot: 'inbox', api_key: expect.any(String) } });
      // slot 1's key still works; the inbox key too
      for (const apiKey of [mine.apiKey, String(issued.body.api_key)]) {
        expect((await fetch(`${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': apiKey } })).status).toBe(200);
      }
      expect((await clientUser.call('POST', `/channels/${mine.channelId}/api-keys`, { slot: 'a b' })).status).toBe(400);
      expect((await clientUser.call('POST', `/channels/${mine.channelId}/api-keys`, { slot: 'third' })).status).toBe(409);
    });

    it('reads their usage and statement from metering, scoped to their client', async () => {
      const usage = await clientUser.call('GET', '/usage?group_by=day');
      expect(usage).toMatchObject({ status: 200, body: { client_id: mine.clientId, group_by: 'day', totals: { template_sends: 0, priced_messages: 0 } } });
      const period = new Date().toISOString().slice(0, 7);
      const csv = await clientUser.call('GET', `/statements/${period}?format=csv`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      expect((await clientUser.call('GET', '/usage?group_by=nonsense')).status).toBe(400);
      // an operator names the client
      expect((await operator.call('GET', `/usage?client_id=${theirs.clientId}`)).status).toBe(200);
      expect((await operator.call('GET', '/usage')).status).toBe(400);
      // the operator's overview of every client
      const today = new Date().toISOString().slice(0, 10);
      const summary = await operator.call('GET', `/usage/summary?from=${today}&to=${today}`);
      expect(summary.status).toBe(200);
      expect(summary.body.clients).toEqual(
        expect.arrayContaining([{ client_id: mine.clientId, name: expect.any(String), template_sends: 0, priced_messages: 0 }]),
      );
      expect((await operator.call('GET', `/usage/summary?from=${today}&to=2020-01-01`)).status).toBe(400);
      expect((await clientUser.call('GET', `/usage/summary?from=${today}&to=${today}`)).status).toBe(403);
    });
  });
});
