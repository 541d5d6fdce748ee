import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { ALL_TOPICS, renderAsyncApiYaml, WebhookHeaders } from '@wabridge/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const committedPath = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

describe('docs/asyncapi.yaml', () => {
  const rendered = renderAsyncApiYaml();

  it('is up to date with libs/contracts (regenerate: node tools/node.cjs tools/asyncapi/export.ts)', () => {
    expect(readFileSync(committedPath, 'utf8')).toBe(rendered);
  });

  it('is a valid AsyncAPI 3 document for the AsyncAPI parser, without errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(committedPath, 'utf8'));
    const serious = new Set([DiagnosticSeverity.Error, DiagnosticSeverity.Warning]);
    expect(diagnostics.filter((d) => serious.has(d.severity)).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const addresses = document!
      .channels()
      .all()
      .map((channel) => channel.address());
    for (const topic of ALL_TOPICS) expect(addresses.some((address) => address?.startsWith(topic))).toBe(true);
    const webhooks = document!
      .channels()
      .all()
      .find((channel) => channel.address() === 'whatsapp.webhooks.v1')!;
    const message = webhooks.messages().all()[0];
    expect(Object.keys(message.headers()!.properties() ?? {})).toEqual(expect.arrayContaining(Object.values(WebhookHeaders)));
    expect(message.payload()!.required()).toEqual(['object', 'entry']);
    const actions = document!
      .operations()
      .all()
      .filter((op) =>
        op
          .channels()
          .all()
          .some((c) => c.address() === 'whatsapp.webhooks.v1'),
      );
    expect(actions.map((op) => `${op.action()} ${op.tags().all()[0].name()}`).sort()).toEqual([
      'receive internal teams',
      'receive metering',
      'receive router',
      'send ingress',
    ]);
  }, 30000);

  it('notes the retention of every topic', () => {
    const parsed = parseYaml(rendered) as { channels: Record<string, { address: string; 'x-retention': string }> };
    for (const channel of Object.values(parsed.channels)) expect(channel['x-retention']).toMatch(/\w/);
  });
});
