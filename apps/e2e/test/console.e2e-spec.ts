// The web console in a real browser (Debian's Chromium driven by Playwright) against the real stack:
// every service a real process on the real Kafka broker and PostgreSQL. It screenshots the main pages
// (committed in docs/console/, see docs/console.md).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConsoleClient,
  ensureConsoleBuilt,
  launchChromium,
  PartnerServer,
  provisionChannel,
  TestStack,
  uniqueDigits,
  waitFor,
  type ProvisionedChannel,
} from '@wabridge/testing';
import { repoRoot } from '@wabridge/local-infra';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const PASSWORD = 'a long and dull passphrase';
/** tmp/ by default, so a test run leaves the tree clean; `CONSOLE_SCREENSHOTS_DIR=docs/console` refreshes the committed ones */
const SHOTS = join(repoRoot(), process.env.CONSOLE_SCREENSHOTS_DIR ?? join('tmp', 'console-screenshots'));

describe('console in Chromium: Client Hub and operator console', () => {
  let stack: TestStack;
  let gateway: string;
  let browser: Browser;
  let operatorContext: BrowserContext;
  let clientContext: BrowserContext;
  let operator: Page;
  let client: Page;
  let number: ProvisionedChannel;
  let other: ProvisionedChannel;
  let firstKey: string;
  let secondKey: string;
  const partners: PartnerServer[] = [];
  const endUser = uniqueDigits(12);
  const messageText = `hello from ${uniqueDigits(6)}`;
  const clientEmail = `owner-${uniqueDigits(6)}@acme.example`;

  const partner = async () => {
    const server = await PartnerServer.start();
    partners.push(server);
    return server;
  };
  const bind = (apiKey: string, url: string) =>
    fetch(`${gateway}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
  const inbound = (target: ProvisionedChannel) =>
    fetch(`${stack.url('wa-sim')}/sim/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number_id: target.phoneNumberId, waba_id: target.wabaId, from: endUser, text: messageText }),
    });
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const card = (page: Page, target: ProvisionedChannel) => page.locator(`[data-channel="${target.channelId}"]`);
  /** Nothing private is ever on screen: no key after its dialog, no end-user number, no message text. */
  const expectNothingPrivate = async (page: Page) => {
    const text = await page.locator('body').innerText();
    expect(text).not.toContain(endUser);
    expect(text).not.toContain(messageText);
    for (const key of [firstKey, secondKey, number?.apiKey, other?.apiKey].filter(Boolean)) expect(text).not.toContain(key);
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    stack = await TestStack.start({
      services: ['ingress', 'gateway', 'router', 'metering', 'wa-sim'],
      env: { router: { RETRY_SCHEDULE: '1s', RETRY_WINDOW: '2s', RETRY_TIME_SCALE: '1' } },
    });
    gateway = stack.url('gateway');
    browser = await launchChromium();
    operatorContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    clientContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
    operator = await operatorContext.newPage();
    client = await clientContext.newPage();
    number = await provisionChannel(gateway, stack.adminToken);
    other = await provisionChannel(gateway, stack.adminToken);
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(partners.map((server) => server.close()));
    await stack?.stop();
  });

  it('sends a signed-out visitor to sign-in, and the first operator joins through an ADMIN_TOKEN invite', async () => {
    await operator.goto(`${gateway}/console/#/numbers`);
    await operator.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(operator, 'sign-in');
    const email = `ops-${uniqueDigits(6)}@wabridge.example`;
    const { link } = await ConsoleClient.invite(gateway, stack.adminToken, { email, role: 'operator' });
    await operator.goto(link);
    await operator.getByLabel('New password').fill(PASSWORD);
    await operator.getByLabel('Repeat the password').fill(PASSWORD);
    await operator.getByRole('button', { name: 'Set password' }).click();
    await operator.getByRole('button', { name: 'Continue to sign-in' }).click();
    await operator.getByLabel('E-mail').fill(email);
    await operator.getByLabel('Password').fill(PASSWORD);
    await operator.keyboard.press('Enter');
    await operator.getByRole('heading', { name: 'Numbers' }).waitFor();
    await expect(operator.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).isVisible()).resolves.toBe(true);
    // the invite link is single use
    await operator.goto(link);
    await operator.getByText('already used or has expired').waitFor();
  });

  it('operator invites a client user, who sets a password and signs in', async () => {
    await operator.goto(`${gateway}/console/#/invites`);
    await operator.getByLabel('E-mail').fill(clientEmail);
    await operator.getByLabel('Role').selectOption('client');
    await operator.getByLabel('Client').selectOption(number.clientId);
    await operator.getByRole('button', { name: 'Create invite link' }).click();
    const link = await operator.getByLabel('Invite link').inputValue();
    expect(link).toMatch(/\/console\/#\/invite\/[A-Za-z0-9_-]{43}$/);
    await shot(operator, 'invites');

    await client.goto(link);
    await client.getByText(clientEmail).waitFor();
    await client.getByLabel('New password').fill(PASSWORD);
    await client.getByLabel('Repeat the password').fill(PASSWORD);
    await client.getByRole('button', { name: 'Set password' }).click();
    await client.getByRole('button', { name: 'Continue to sign-in' }).click();
    await client.getByLabel('E-mail').fill(clientEmail);
    await client.getByLabel('Password').fill(PASSWORD);
    await client.getByRole('button', { name: 'Sign in' }).click();
    await client.getByRole('heading', { name: 'Numbers' }).waitFor();
    // a client user sees its own number only
    await card(client, number).waitFor();
    expect(await client.locator('[data-channel]').count()).toBe(1);
  });

  it('the client generates a key after a confirmation, copies it, and a partner binds with it', async () => {
    await card(client, number).getByRole('button', { name: 'Generate API key' }).click();
    const dialog = client.getByRole('dialog');
    await dialog.getByText('revokes every older key').waitFor();
    await dialog.getByText('drops its current webhook binding').waitFor();
    await shot(client, 'generate-key-confirm');
    await dialog.getByRole('button', { name: 'Generate new key' }).click();
    firstKey = await dialog.getByLabel('API key').inputValue();
    expect(firstKey.length).toBeGreaterThanOrEqual(32);
    await dialog.getByRole('button', { name: 'Copy key' }).click();
    await dialog.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await client.evaluate<string>('navigator.clipboard.readText()')).toBe(firstKey);
    // the key itself is masked: no secret-looking string lands in the repository
    await client.screenshot({ path: join(SHOTS, 'generate-key-shown-once.png'), mask: [dialog.getByLabel('API key')] });
    await dialog.getByRole('button', { name: 'Done' }).click();
    // the operator's earlier key was revoked by this one
    expect((await bind(number.apiKey, 'http://127.0.0.1:9/never')).status).toBe(401);

    const receiver = await partner();
    expect((await bind(firstKey, `${receiver.url}/hook`)).status).toBe(200);
    expect((await inbound(number)).status).toBe(200);
    await receiver.waitForRequests(1);

    await client.reload();
    await card(client, number).locator('[data-field="host"]').getByText('127.0.0.1').waitFor();
    await card(client, number).locator('[data-field="health"]').getByText('Healthy').waitFor();
    expect(await card(client, number).locator('[data-field="key"]').innerText()).toMatch(/^Issued /);
    await expectNothingPrivate(client);
    await shot(client, 'client-numbers');
  });

  it("a template send appears in the client's usage chart, tables and statement", async () => {
    const send = await fetch(`${gateway}/messages`, {
      method: 'POST',
      headers: { 'D360-API-KEY': firstKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        to: endUser,
        type: 'template',
        template: { name: 'order_shipped', language: { code: 'en_US', policy: 'deterministic' } },
      }),
    });
    expect(send.status).toBe(200);
    const api = new ConsoleClient(gateway);
    await api.signIn(clientEmail, PASSWORD);
    await waitFor(
      async () => {
        const usage = await api.call('GET', '/usage?group_by=template');
        return (usage.body as { totals?: { template_sends: number } }).totals?.template_sends === 1 ? usage : undefined;
      },
      { timeoutMs: 30000, what: 'the template send to be metered' },
    );
    await client.goto(`${gateway}/console/#/usage`);
    await client.locator('[data-total="template_sends"]').getByText('1', { exact: true }).waitFor();
    await client.getByRole('table', { name: 'By template' }).getByRole('cell', { name: 'order_shipped' }).waitFor();
    await client.locator('.chart canvas').first().waitFor();
    const statement = await client.request.get(`${gateway}/console/api/statements/${new Date().toISOString().slice(0, 7)}?format=csv`);
    expect(statement.status()).toBe(200);
    expect(statement.headers()['content-type']).toMatch(/text\/csv/);
    expect(await statement.text()).toContain('order_shipped');
    await expectNothingPrivate(client);
    await shot(client, 'client-usage');
  });

  it('a second Generate revokes the first key (the API answers 401) and shows the number unbound', async () => {
    await client.goto(`${gateway}/console/#/numbers`);
    await card(client, number).getByRole('button', { name: 'Generate API key' }).click();
    const dialog = client.getByRole('dialog');
    await dialog.getByText('stops receiving this number').waitFor();
    await dialog.getByRole('button', { name: 'Generate new key' }).click();
    secondKey = await dialog.getByLabel('API key').inputValue();
    expect(secondKey).not.toBe(firstKey);
    await client.keyboard.press('Escape');
    await card(client, number).locator('[data-field="host"]').getByText('Not bound').waitFor();
    await card(client, number).locator('[data-field="health"]').getByText('Not bound').waitFor();
    expect((await fetch(`${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': firstKey } })).status).toBe(401);
    expect((await fetch(`${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': secondKey } })).status).not.toBe(401);
    await expectNothingPrivate(client);
  });

  it("on a number with two partner slots, Generate asks for the slot and revokes only that slot's key", async () => {
    const slots = await fetch(`${gateway}/admin/v1/channels/${number.channelId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ partner_slots: 2 }),
    });
    expect(slots.status).toBe(200);
    await client.reload();
    await card(client, number).getByRole('button', { name: 'Generate API key' }).click();
    const dialog = client.getByRole('dialog');
    await dialog.getByText('This number has 2 partner slots').waitFor();
    await dialog.getByText('the other slots keep working').waitFor();
    await dialog.getByLabel('Partner slot').fill('inbox');
    await shot(client, 'generate-key-slot');
    await dialog.getByRole('button', { name: 'Generate new key' }).click();
    const inboxKey = await dialog.getByLabel('API key').inputValue();
    expect(inboxKey).not.toBe(secondKey);
    await client.keyboard.press('Escape');
    // slot 1's key keeps working next to the inbox slot's
    for (const apiKey of [secondKey, inboxKey]) {
      expect((await fetch(`${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': apiKey } })).status).toBe(200);
    }
    await expectNothingPrivate(client);
  });

  it("a client user cannot open another client's pages or API calls (403)", async () => {
    await client.goto(`${gateway}/console/#/health`);
    await client.getByText('This page is not available to your account.').waitFor();
    for (const path of [`/channels/${other.channelId}`, `/usage?client_id=${other.clientId}`, '/health', '/dead-letters', '/clients']) {
      expect((await client.request.get(`${gateway}/console/api${path}`)).status()).toBe(403);
    }
    const csrf = (await (await client.request.get(`${gateway}/console/api/session`)).json()) as { csrf_token: string };
    const foreignKey = await client.request.post(`${gateway}/console/api/channels/${other.channelId}/api-keys`, {
      headers: { 'x-csrf-token': csrf.csrf_token },
    });
    expect(foreignKey.status()).toBe(403);
    // without the CSRF token, even its own number's key is refused
    expect((await client.request.post(`${gateway}/console/api/channels/${number.channelId}/api-keys`)).status()).toBe(403);
  });

  it('an operator replays a dead letter from the console', async () => {
    const failing = await partner();
    failing.respondWith(500);
    expect((await bind(other.apiKey, `${failing.url}/down`)).status).toBe(200);
    expect((await inbound(other)).status).toBe(200);
    await operator.goto(`${gateway}/console/#/deliveries`);
    await operator.getByLabel('Number').selectOption(other.channelId);
    const row = operator.locator('tr[data-event]').first();
    await waitFor(
      async () => {
        await operator.getByLabel('Number').selectOption(number.channelId);
        await operator.getByLabel('Number').selectOption(other.channelId);
        return (await row.count()) > 0 ? true : undefined;
      },
      { timeoutMs: 40000, intervalMs: 1000, what: 'a dead letter on the deliveries page' },
    );
    await shot(operator, 'operator-deliveries');
    failing.respondWith(200);
    const before = failing.received.length;
    await row.getByRole('checkbox').check();
    await operator.getByRole('button', { name: 'Replay selected (1)' }).click();
    await operator.getByText('Replayed 1 event.').waitFor();
    await failing.waitForRequests(before + 1, 30000);
    expect(failing.received[failing.received.length - 1].body.toString()).toContain(other.phoneNumberId);
    // by channel and time range, as the form sends it
    const local = (at: number) => new Date(at).toISOString().slice(0, 16);
    await operator.getByLabel('From (UTC)').fill(local(Date.now() - 3_600_000));
    await operator.getByLabel('To (UTC)').fill(local(Date.now() + 60_000));
    const [answer] = await Promise.all([
      operator.waitForResponse((response) => response.url().endsWith('/console/api/dead-letters/replay')),
      operator.getByRole('button', { name: 'Replay range' }).click(),
    ]);
    expect(answer.status()).toBe(200);
    expect(JSON.parse(answer.request().postData() ?? '{}')).toEqual({ channel_id: other.channelId, from: expect.any(String), to: expect.any(String) });
    const { replayed } = (await answer.json()) as { replayed: number };
    await operator.getByText(`Replayed ${replayed} event${replayed === 1 ? '' : 's'}.`).waitFor();
    await expectNothingPrivate(operator);
  });

  it('operator pages: numbers, clients, usage and health', async () => {
    await operator.goto(`${gateway}/console/#/clients`);
    // the form's own validation holds an empty name back; a bad number is refused with the field named
    await operator.getByRole('button', { name: 'Create client' }).click();
    const name = operator.getByLabel('Name', { exact: true });
    expect(await name.evaluate((element) => (element as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
    await name.fill('Globex Ltd');
    await operator.getByRole('button', { name: 'Create client' }).click();
    await operator.getByText('Client Globex Ltd created.').waitFor();
    await operator.getByRole('heading', { name: 'New number' }).waitFor();
    await operator.locator('form[aria-labelledby="new-number"]').getByLabel('Client').selectOption({ label: 'Globex Ltd' });
    await operator.getByLabel('Phone number id').fill(uniqueDigits(15));
    await operator.getByLabel('WABA id').fill(uniqueDigits(15));
    await operator.getByLabel('Display phone number').fill('not a number');
    await operator.getByRole('button', { name: 'Add number' }).click();
    await operator.getByText('display_phone_number must be a phone number').waitFor();
    await operator.getByLabel('Display phone number').fill('4930609859535');
    await operator.getByRole('button', { name: 'Add number' }).click();
    await operator.getByText('Number 4930609859535 added.').waitFor();
    await shot(operator, 'operator-clients');

    await operator.goto(`${gateway}/console/#/numbers`);
    await card(operator, number).waitFor();
    await card(operator, other).waitFor();
    await shot(operator, 'operator-numbers');

    await operator.goto(`${gateway}/console/#/usage`);
    // every client's month at a glance, each with its statement
    const row = operator.getByRole('table', { name: 'All clients' }).locator(`tr[data-client="${number.clientId}"]`);
    expect(await row.locator('td.num').first().innerText()).toBe('1');
    await row.getByRole('button').click();
    await operator.locator('[data-total="template_sends"]').getByText('1', { exact: true }).waitFor();
    await shot(operator, 'operator-usage');

    await operator.goto(`${gateway}/console/#/health`);
    for (const service of ['ingress', 'router', 'metering']) {
      await operator.locator(`tr[data-service="${service}"]`).getByText('Ready').waitFor();
    }
    expect(await operator.locator('[data-stat="success-ratio"]').innerText()).toMatch(/%$/);
    // consumer lag of the router's and metering's groups, read from Kafka
    for (const service of ['router', 'metering']) {
      expect(await operator.locator(`tr[data-service="${service}"] td.num`).innerText()).toMatch(/^\d+$/);
    }
    await shot(operator, 'operator-health');
  });

  it('is readable at phone width and usable by keyboard', async () => {
    const phone = await clientContext.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${gateway}/console/#/numbers`);
    await card(phone, number).waitFor();
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(SHOTS, 'client-numbers-phone.png'), fullPage: true });
    // keyboard: Tab reaches the skip link first, then the navigation
    await phone.keyboard.press('Tab');
    expect(await phone.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Skip to content');
    await phone.close();
  });

  it('signing out ends the session: the next visit goes to sign-in', async () => {
    await client.goto(`${gateway}/console/#/numbers`);
    await client.getByRole('button', { name: 'Sign out' }).click();
    await client.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await client.request.get(`${gateway}/console/api/channels`)).status()).toBe(401);
    await client.goto(`${gateway}/console/#/usage`);
    await client.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
