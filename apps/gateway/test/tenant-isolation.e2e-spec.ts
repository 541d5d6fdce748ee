import { randomBytes } from 'node:crypto';
import { provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { createTemplate, getBytes, inboundMedia, registerNumber } from './compat/compat-kit';
import { bearer, call, partnerKey } from './support/http';

/**
 * Tenant isolation on everything proxied to Meta by id. The simulator holds the objects of two
 * tenants behind the one system-user token and answers any id as Meta does (a number node, a WABA
 * node, a template, media), so a gateway that passed ids on would leak them: each case first shows
 * that "Meta" would answer, then that the other tenant's key gets 404 in Graph's shape.
 */
describe('gateway: a key reaches only its own channel at Meta', () => {
  let stack: TestStack;
  let gateway: string;
  let sim: string;
  let mine: ProvisionedChannel;
  let theirs: ProvisionedChannel;
  let theirTemplateId: string;
  let theirMediaId: string;
  let theirMediaUrl: string;
  const picture = randomBytes(4096);

  const atMeta = (method: string, path: string) => call(method, `${sim}/v21.0${path}`, { headers: bearer(stack.graphToken) });
  const asMine = (method: string, path: string, body?: unknown) => call(method, `${gateway}${path}`, { headers: partnerKey(mine.apiKey), body });
  const expectUnknownObject = (answer: { status: number; body: { error?: Record<string, unknown> } }, id: string) => {
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException', message: expect.stringContaining(`'${id}'`) });
  };

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    sim = stack.url('wa-sim');
    [mine, theirs] = await Promise.all([provisionChannel(gateway, stack.adminToken), provisionChannel(gateway, stack.adminToken)]);
    await Promise.all([registerNumber(stack, mine), registerNumber(stack, theirs)]);
    await createTemplate(stack, theirs.wabaId, 'their_secret_offer');
    theirTemplateId = (await atMeta('GET', `/${theirs.wabaId}/message_templates`)).body.data[0].id as string;
    theirMediaId = await inboundMedia(stack, theirs.phoneNumberId, picture, 'image/png');
    theirMediaUrl = (await call('GET', `${gateway}/${theirMediaId}`, { headers: partnerKey(theirs.apiKey) })).body.url as string;
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("cannot read another channel's phone-number node, on any path or with any field", async () => {
    expect((await atMeta('GET', `/${theirs.phoneNumberId}`)).body).toMatchObject({ id: theirs.phoneNumberId, display_phone_number: expect.any(String) });
    for (const path of [
      `/${theirs.phoneNumberId}`,
      `/v21.0/${theirs.phoneNumberId}`,
      `/v21.0/${theirs.phoneNumberId}?fields=health_status`,
      `/${theirs.phoneNumberId}?fields=verified_name`,
    ]) {
      expectUnknownObject(await asMine('GET', path), theirs.phoneNumberId);
    }
    const own = await call('GET', `${gateway}/v21.0/${mine.phoneNumberId}`, { headers: bearer(mine.apiKey) });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id: mine.phoneNumberId, display_phone_number: `+${mine.displayPhoneNumber}` });
  });

  it("cannot read another channel's WABA node or its health", async () => {
    expect((await atMeta('GET', `/${theirs.wabaId}?fields=health_status`)).body.health_status).toBeDefined();
    for (const path of [`/${theirs.wabaId}`, `/v21.0/${theirs.wabaId}?fields=health_status`]) expectUnknownObject(await asMine('GET', path), theirs.wabaId);
    const own = await asMine('GET', `/v21.0/${mine.wabaId}?fields=health_status`);
    expect(own.status).toBe(200);
    expect(own.body.health_status.entities).toEqual(expect.arrayContaining([expect.objectContaining({ entity_type: 'WABA', id: mine.wabaId })]));
    // edges of its own WABA (which would list other numbers) are no field the facade passes on
    const edge = await asMine('GET', `/v21.0/${mine.wabaId}?fields=phone_numbers`);
    expect(edge.status).toBe(400);
    expect(edge.body.error).toMatchObject({ code: 100, message: expect.stringContaining('phone_numbers') });
  });

  it("cannot read, list, create in or delete another channel's templates", async () => {
    expect((await atMeta('GET', `/${theirTemplateId}`)).body).toMatchObject({ name: 'their_secret_offer' });
    expectUnknownObject(await asMine('GET', `/${theirTemplateId}`), theirTemplateId);
    expectUnknownObject(await asMine('DELETE', `/v21.0/${theirTemplateId}`), theirTemplateId);
    expectUnknownObject(await asMine('GET', `/v21.0/${theirs.wabaId}/message_templates`), theirs.wabaId);
    expectUnknownObject(await asMine('GET', `/${theirs.wabaId}/message_templates?access_token=${mine.apiKey}`), theirs.wabaId);
    expectUnknownObject(
      await asMine('POST', `/v21.0/${theirs.wabaId}/message_templates`, {
        name: 'planted',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'x' }],
      }),
      theirs.wabaId,
    );
    expectUnknownObject(await asMine('DELETE', `/v21.0/${theirs.wabaId}/message_templates?name=their_secret_offer`), theirs.wabaId);
    // still there, and nothing planted
    const left = (await atMeta('GET', `/${theirs.wabaId}/message_templates`)).body as { data: { name: string }[] };
    expect(left.data.map((template) => template.name)).toEqual(['their_secret_offer']);
  });

  it("cannot read, download or delete another channel's media, even with its URL", async () => {
    expectUnknownObject(await asMine('GET', `/${theirMediaId}`), theirMediaId);
    expectUnknownObject(await asMine('GET', `/v21.0/${theirMediaId}`), theirMediaId);
    expectUnknownObject(await asMine('GET', `/v1/media/${theirMediaId}`), theirMediaId);
    expectUnknownObject(await asMine('DELETE', `/${theirMediaId}`), theirMediaId);
    // the URL handed out to them, and the same with Meta's lookaside host swapped for the gateway
    const stolen = await getBytes(theirMediaUrl, partnerKey(mine.apiKey));
    expect(stolen.status).toBe(404);
    expect(JSON.parse(stolen.bytes.toString()).error).toMatchObject({ code: 100, error_subcode: 33 });
    // a URL naming no media, or their media twice over, is refused the same way
    const noMid = await getBytes(`${gateway}/whatsapp_business/attachments/?ext=1&hash=x`, partnerKey(mine.apiKey));
    expect(noMid.status).toBe(404);
    const url = new URL(theirMediaUrl);
    const doubled = await getBytes(`${gateway}${url.pathname}${url.search}&mid=${theirMediaId}`, partnerKey(mine.apiKey));
    expect(doubled.status).toBe(404);
    // still theirs, intact
    const theirDownload = await getBytes(theirMediaUrl, partnerKey(theirs.apiKey));
    expect(theirDownload.status).toBe(200);
    expect(theirDownload.bytes.equals(picture)).toBe(true);
  });

  it('the simulator refuses a number registration without its ids', async () => {
    for (const body of [{}, { phone_number_id: '1' }, { phone_number_id: '1', waba_id: 2 }, []]) {
      const answer = await call('POST', `${sim}/sim/numbers`, { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual(expect.any(String));
    }
  });

  it("cannot read or change another number's business profile, nor send from it", async () => {
    for (const path of [`/${theirs.phoneNumberId}/whatsapp_business_profile`, `/v21.0/${theirs.phoneNumberId}/whatsapp_business_profile`]) {
      expectUnknownObject(await asMine('GET', path), theirs.phoneNumberId);
      expectUnknownObject(await asMine('POST', path, { messaging_product: 'whatsapp', about: 'hijacked' }), theirs.phoneNumberId);
    }
    const send = await asMine('POST', `/${theirs.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      to: '4915123456789',
      type: 'text',
      text: { body: 'x' },
    });
    expect(send.status).toBe(403);
    expect(send.body.error).toMatchObject({ code: 200 });
  });
});
