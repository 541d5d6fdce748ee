// The gateway scenario's Graph API: answers every send after a fixed GRAPH_DELAY_MS (20) with Meta's
// success body and a fresh wamid, so whatever a proxy in front of it adds is measured on a known floor.
// A process of its own, so the load generator's event loop does not delay its timers.
import { createServer } from 'node:http';

const port = Number(process.env.GRAPH_PORT ?? 0);
const delayMs = Number(process.env.GRAPH_DELAY_MS ?? 20);
let sent = 0;

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    sent += 1;
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      contacts: [{ input: '15550001111', wa_id: '15550001111' }],
      messages: [{ id: `wamid.benchgraph${process.pid}_${sent}` }],
    });
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body), delayMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
