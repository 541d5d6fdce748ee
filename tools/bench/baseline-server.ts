// The benchmark's baseline: a bare node:http server doing the same work ingress must do before it can
// answer (read the body, check X-Hub-Signature-256 with the same function) and nothing else.
import { createServer } from 'node:http';
import { verifyMetaSignature } from '@wabridge/webhook-security';

const secret = process.env.BASELINE_APP_SECRET ?? '';
const port = Number(process.env.BASELINE_PORT ?? 0);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const header = req.headers['x-hub-signature-256'];
    const ok = verifyMetaSignature(Buffer.concat(chunks), typeof header === 'string' ? header : undefined, [secret]);
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(ok ? '{"status":"accepted"}' : '{"error":"bad signature"}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`baseline listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
