// The gateway's baseline: a bare node:http proxy doing the same upstream call as a send — read the body,
// POST it to the Graph API over undici's keep-alive pool (as the gateway's GraphApiClient does), relay
// the status and body — and nothing else: no key check, no rate limit, no outbound event.
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const port = Number(process.env.PROXY_PORT ?? 0);
const upstream = `${process.env.PROXY_GRAPH_URL ?? ''}/v21.0/100000000000000/messages`;
const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    request(upstream, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-graph' },
      body: Buffer.concat(chunks),
    })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      })
      .catch(() => res.writeHead(502).end());
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
