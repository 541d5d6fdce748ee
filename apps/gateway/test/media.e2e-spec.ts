import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { request } from 'undici';
import { bearer, call, partnerKey } from './support/http';

const LOOKASIDE = 'https://lookaside.fbsbx.com';
const MAX_BYTES = 2 * 1024 * 1024;

function uploadForm(bytes: Buffer, type = 'image/png', fields: Record<string, string> = { messaging_product: 'whatsapp' }): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('type', type);
  form.append('file', new Blob([bytes], { type }), 'picture.png');
  return form;
}

interface Fetched {
  status: number;
  contentType: string | null;
  bytes: Buffer;
  json: () => unknown;
}

async function fetchBytes(url: string, init: RequestInit = {}): Promise<Fetched> {
  const response = await fetch(url, init);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, contentType: response.headers.get('content-type'), bytes, json: () => JSON.parse(bytes.toString('utf8')) as unknown };
}

/** A GET with the path sent exactly as written: fetch would resolve dot segments before sending. */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("gateway: media of the key's number (wa-sim)", () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  const picture = randomBytes(64 * 1024);
  let mediaId: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['gateway', 'wa-sim'],
      env: { gateway: { MEDIA_MAX_BYTES: String(MAX_BYTES) }, 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } },
    });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  const upload = (form: FormData, headers: Record<string, string> = partnerKey(channel.apiKey), path = '/media') =>
    fetchBytes(`${gateway}${path}`, { method: 'POST', headers, body: form });

  it("uploads a file as multipart (POST /media) and answers Meta's {id}", async () => {
    const answer = await upload(uploadForm(picture));
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ id: expect.stringMatching(/^\d+$/) });
    mediaId = (answer.json() as { id: string }).id;
  });

  it('describes the media with a URL that points back at the gateway', async () => {
    const answer = await call('GET', `${gateway}/${mediaId}`, { headers: partnerKey(channel.apiKey) });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      messaging_product: 'whatsapp',
      url: expect.stringMatching(new RegExp(`^${gateway}/whatsapp_business/attachments/\\?mid=${mediaId}&ext=\\d+&hash=`)),
      mime_type: 'image/png',
      sha256: createHash('sha256').update(picture).digest('hex'),
      file_size: picture.length,
      id: mediaId,
    });
    expect(answer.text).not.toContain('lookaside');
  });

  it("streams the bytes whether the client appends path and query to its base or swaps Meta's host for it", async () => {
    const { body } = await call<{ url: string }>('GET', `${gateway}/${mediaId}`, { headers: partnerKey(channel.apiKey) });
    const handedOut = new URL(body.url);
    // Typebot: base + pathname + search
    const typebot = await fetchBytes(`${gateway}${handedOut.pathname}${handedOut.search}`, { headers: partnerKey(channel.apiKey) });
    expect(typebot.status).toBe(200);
    expect(typebot.contentType).toBe('image/png');
    expect(typebot.bytes.equals(picture)).toBe(true);

    // courier: reads the URL Meta returns and replaces Meta's media host with its base
    const fromMeta = await call<{ url: string }>('GET', `${stack.url('wa-sim')}/v21.0/${mediaId}`, { headers: bearer(stack.graphToken) });
    expect(fromMeta.body.url.startsWith(`${LOOKASIDE}/whatsapp_business/attachments/`)).toBe(true);
    const courier = await fetchBytes(fromMeta.body.url.replace(LOOKASIDE, gateway), { headers: partnerKey(channel.apiKey) });
    expect(courier.status).toBe(200);
    expect(courier.bytes.equals(picture)).toBe(true);
    // and on the URL the gateway handed out, the same replacement changes nothing
    expect(body.url.replace(LOOKASIDE, gateway)).toBe(body.url);
  });

  it('serves the on-premise GET /v1/media/{id} as bytes', async () => {
    const answer = await fetchBytes(`${gateway}/v1/media/${mediaId}`, { headers: partnerKey(channel.apiKey) });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('image/png');
    expect(answer.bytes.equals(picture)).toBe(true);
  });

  it("keeps a number's media from other keys", async () => {
    const other = await provisionChannel(gateway, stack.adminToken);
    const metadata = await call('GET', `${gateway}/${mediaId}`, { headers: partnerKey(other.apiKey) });
    expect(metadata.status).toBe(404);
    expect(metadata.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const bytes = await call('GET', `${gateway}/v1/media/${mediaId}`, { headers: partnerKey(other.apiKey) });
    expect(bytes.status).toBe(404);
    expect((await call('DELETE', `${gateway}/${mediaId}`, { headers: partnerKey(other.apiKey) })).status).toBe(404);
  });

  it("serves the Graph-style media paths with a Bearer key, for the key's own number only", async () => {
    const uploaded = await upload(uploadForm(Buffer.from('%PDF-1.4 tiny'), 'application/pdf'), bearer(channel.apiKey), `/v21.0/${channel.phoneNumberId}/media`);
    expect(uploaded.status).toBe(200);
    const id = (uploaded.json() as { id: string }).id;
    const metadata = await call('GET', `${gateway}/v21.0/${id}`, { headers: bearer(channel.apiKey) });
    expect(metadata.body).toMatchObject({ id, mime_type: 'application/pdf', url: expect.stringContaining(`${gateway}/whatsapp_business/attachments/`) });
    const forbidden = await upload(uploadForm(picture), bearer(channel.apiKey), `/v21.0/100000000000001/media`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: { code: 200, type: 'OAuthException' } });
    const removed = await call('DELETE', `${gateway}/v21.0/${id}`, { headers: bearer(channel.apiKey) });
    expect(removed.body).toEqual({ success: true });
  });

  it('streams a larger file intact, and refuses one above MEDIA_MAX_BYTES with 413 with or without a length', async () => {
    const large = randomBytes(MAX_BYTES - 64 * 1024);
    const uploaded = await upload(uploadForm(large, 'video/mp4'));
    expect(uploaded.status).toBe(200);
    const id = (uploaded.json() as { id: string }).id;
    const downloaded = await fetchBytes(`${gateway}/v1/media/${id}`, { headers: partnerKey(channel.apiKey) });
    expect(downloaded.bytes.equals(large)).toBe(true);

    const tooLarge = await upload(uploadForm(randomBytes(MAX_BYTES + 1024), 'video/mp4'));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json()).toMatchObject({ error: { code: 100, type: 'OAuthException' } });

    // chunked, so only counting the bytes can tell
    const form = new Response(uploadForm(randomBytes(MAX_BYTES + 1024), 'video/mp4'));
    const chunked = await request(`${gateway}/media`, {
      method: 'POST',
      headers: { ...partnerKey(channel.apiKey), 'content-type': form.headers.get('content-type')! },
      body: Readable.from(Buffer.from(await form.arrayBuffer())),
    });
    expect(chunked.statusCode).toBe(413);
    expect(await chunked.body.json()).toMatchObject({ error: { code: 100 } });
  });

  it('deletes media (DELETE /{media_id}); its URL stops working', async () => {
    const { body } = await call('GET', `${gateway}/${mediaId}`, { headers: partnerKey(channel.apiKey) });
    const removed = await call('DELETE', `${gateway}/${mediaId}`, { headers: partnerKey(channel.apiKey) });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ success: true });
    expect((await call('GET', `${gateway}/${mediaId}`, { headers: partnerKey(channel.apiKey) })).status).toBe(404);
    expect((await fetchBytes(body.url, { headers: partnerKey(channel.apiKey) })).status).toBe(404);
  });

  it('answers 415 to multipart sent elsewhere once the client has finished writing it, not by resetting the connection', async () => {
    const { hostname, port } = new URL(gateway);
    const body = randomBytes(512 * 1024);
    const answer = await new Promise<{ status: number; written: boolean }>((resolve, reject) => {
      const req = httpRequest(
        {
          hostname,
          port,
          path: '/messages',
          method: 'POST',
          headers: { ...partnerKey(channel.apiKey), 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(body.length) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, written: req.writableEnded }));
        },
      );
      req.on('error', reject);
      // written slowly, as a client on a slow link would: most of it after the server could have answered
      const writeFrom = (i: number) => {
        const piece = body.subarray(i * 64 * 1024, (i + 1) * 64 * 1024);
        if (i === 7) return void req.end(piece);
        req.write(piece);
        setTimeout(() => writeFrom(i + 1), 25);
      };
      writeFrom(0);
    });
    expect(answer).toEqual({ status: 415, written: true });
  });

  it('answers bad media requests with a defined error, never reaching Meta with them', async () => {
    const key = partnerKey(channel.apiKey);
    const notMultipart = await call('POST', `${gateway}/media`, { headers: key, body: { file: 'x' } });
    expect(notMultipart.status).toBe(400);
    expect(notMultipart.body.error).toMatchObject({ code: 100, message: expect.stringContaining('multipart') });
    const noProduct = await upload(uploadForm(picture, 'image/png', {}));
    expect(noProduct.status).toBe(400);
    expect(noProduct.json()).toMatchObject({ error: { code: 100, message: expect.stringContaining('messaging_product') } });
    const multipartElsewhere = await fetchBytes(`${gateway}/messages`, { method: 'POST', headers: key, body: uploadForm(picture) });
    expect(multipartElsewhere.status).toBe(415);

    expect((await call('GET', `${gateway}/not-a-media-id`, { headers: key })).status).toBe(404);
    expect((await call('GET', `${gateway}/v1/media/abc`, { headers: key })).status).toBe(404);
    for (const path of [
      '/whatsapp_business/attachments/%2e%2e/%2e%2e/v21.0/me',
      '/whatsapp_business/attachments/../../v21.0/me',
      '/whatsapp_business/attachments//x',
    ]) {
      const traversal = await rawGet(gateway, path, key);
      expect({ path, status: traversal.status }).toEqual({ path, status: 400 });
      expect(JSON.parse(traversal.body).error).toMatchObject({ type: 'OAuthException' });
    }
    const forged = await call('GET', `${gateway}/whatsapp_business/attachments/?mid=1&ext=1&hash=forged`, { headers: key });
    expect(forged.status).toBe(404);

    for (const [method, path] of [
      ['POST', '/media'],
      ['GET', '/123'],
      ['DELETE', '/123'],
      ['GET', '/v1/media/123'],
      ['GET', '/whatsapp_business/attachments/?mid=1'],
    ]) {
      const answer = await call(method, `${gateway}${path}`);
      expect({ method, path, status: answer.status, body: answer.body }).toEqual({
        method,
        path,
        status: 401,
        body: { error: 'Invalid or missing D360-API-KEY' },
      });
    }
  });
});
