// Drives the real @great-detail/whatsapp SDK (npm, 9.x) against the gateway, as a partner's app would,
// run as its own process because the SDK is an ES module. Prints one JSON line: each call's outcome and
// the method and path of every request the SDK made.
//   GATEWAY=<url> API_KEY=<key> PHONE_NUMBER_ID=<id> WABA_ID=<id> node great-detail-client.mjs
import { Client } from '@great-detail/whatsapp';

const { GATEWAY, API_KEY, PHONE_NUMBER_ID, WABA_ID } = process.env;
const requests = [];
const client = new Client({
  baseUrl: GATEWAY,
  request: {
    headers: { Authorization: `Bearer ${API_KEY}` },
    retry: 0,
    hooks: { beforeRequest: [({ request }) => void requests.push(`${request.method} ${new URL(request.url).pathname}`)] },
  },
});

async function outcome(call) {
  try {
    const response = await call();
    return { ok: true, status: response.status, body: await response.json() };
  } catch (error) {
    // ky has already read the error body into `data`, as the SDK's users see it
    return { ok: false, status: error.response?.status ?? null, body: error.data ?? String(error) };
  }
}

const results = {};
results.send = await outcome(() =>
  client.message.createMessage({ phoneNumberID: PHONE_NUMBER_ID, to: '4915123456789', type: 'text', text: { body: 'Grüße from the SDK' } }),
);
results.markRead = await outcome(() =>
  client.message.createStatus({ phoneNumberID: PHONE_NUMBER_ID, status: 'read', message_id: results.send.body?.messages?.[0]?.id ?? 'wamid.x' }),
);
results.templates = await outcome(() => client.template.list(WABA_ID, { limit: 10 }));
results.createTemplate = await outcome(() =>
  client.template.create(WABA_ID, {
    name: 'sdk_created',
    language: 'en_US',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Hi {{1}}', example: { body_text: [['Kerry']] } }],
  }),
);
results.deleteTemplate = await outcome(() => client.template.delete(WABA_ID, { name: 'sdk_created' }));
results.updateProfile = await outcome(() => client.businessProfile.updateBusinessProfile({ phoneNumberID: PHONE_NUMBER_ID, about: 'Bikes & repairs' }));
results.profile = await outcome(() => client.businessProfile.getBusinessProfile({ phoneNumberID: PHONE_NUMBER_ID, fields: ['about'] }));
results.upload = await outcome(() =>
  client.media.upload({
    phoneNumberID: PHONE_NUMBER_ID,
    file: new Blob([Buffer.from('%PDF-1.4 sdk')], { type: 'application/pdf' }),
    filename: 'offer.pdf',
    mimeType: 'application/pdf',
  }),
);
results.mediaUrl = await outcome(() => client.media.getURL({ mediaID: results.upload.body?.id ?? '0', phoneNumberID: PHONE_NUMBER_ID }));
results.deleteMedia = await outcome(() => client.media.delete({ mediaID: results.upload.body?.id ?? '0', phoneNumberID: PHONE_NUMBER_ID }));
results.phoneNumber = await outcome(() => client.phoneNumbers.getPhoneNumber({ phoneNumberID: PHONE_NUMBER_ID, fields: ['verified_name', 'quality_rating'] }));
results.waba = await outcome(() => client.whatsappBusinessAccount.get(WABA_ID, { fields: ['health_status'] }));
results.otherNumber = await outcome(() =>
  client.message.createMessage({ phoneNumberID: '100000000000001', to: '4915123456789', type: 'text', text: { body: 'x' } }),
);
process.stdout.write(`${JSON.stringify({ results, requests })}\n`);
