// A partner's webhook receiver built on whatsapp-api-js (npm, 6.x), run as its own process because the
// SDK is an ES module. It verifies X-Hub-Signature-256 exactly as the SDK does for its users: over the
// raw body with every non-ASCII character escaped to \uXXXX ("an escaped unicode version of the
// payload", as Meta documents). Cloud envelopes go through WhatsAppAPI.post(); flat on-premise bodies,
// which post() cannot parse, through the SDK's own verifyRequestSignature(). Every request is recorded
// and listed at GET /received; a body that fails the check is answered 401, as such a receiver would.
//   APP_SECRET=<secret> node whatsapp-api-js-receiver.mjs   → prints {"port": n} once listening
import { createServer } from 'node:http';
import { WhatsAppAPI } from 'whatsapp-api-js';

const api = new WhatsAppAPI({ token: 'not-used-by-the-receiver', appSecret: process.env.APP_SECRET, v: 'v21.0' });
const received = [];
api.on.message = ({ message, phoneID }) => ({ kind: 'message', id: message.id, phoneID, text: message.text?.body ?? null });
api.on.status = ({ id, status, phoneID }) => ({ kind: 'status', id, status, phoneID });

async function handle(raw, signature) {
  const parsed = JSON.parse(raw);
  if (typeof parsed.object === 'string') {
    try {
      const event = await api.post(parsed, raw, signature);
      return { verified: true, shape: 'cloud', event };
    } catch (error) {
      return { verified: false, shape: 'cloud', error: error.message };
    }
  }
  const verified = await api.verifyRequestSignature(raw, signature ?? '');
  return { verified, shape: 'flat', ...(verified ? { event: parsed } : { error: "Signature doesn't match" }) };
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/received') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    handle(raw, request.headers['x-hub-signature-256'])
      .catch((error) => ({ verified: false, shape: 'unparsable', error: error.message }))
      .then((result) => {
        received.push({ ...result, path: request.url, body: raw });
        response.writeHead(result.verified ? 200 : 401).end();
      });
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
