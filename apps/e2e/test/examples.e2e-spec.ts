// examples/webhooks-consumer: the kafkajs consumer internal teams start from, run as its own process against the
// real ingress and broker. Meta sending the same webhook twice yields two records with one event-id: the example
// hands the event on once and reports the repeat.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FIXTURE_IDS, metaFixtureFor, metaHeaders, TestStack, testInfra, waitFor } from '@wabridge/testing';

const root = join(__dirname, '..', '..', '..');

describe('examples/webhooks-consumer', () => {
  let stack: TestStack;
  let example: ChildProcessWithoutNullStreams | undefined;
  const lines: Record<string, unknown>[] = [];

  const postToIngress = (body: Buffer) =>
    fetch(`${stack.url('ingress')}/webhooks/whatsapp`, { method: 'POST', headers: metaHeaders(body, stack.appSecret), body });

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['ingress'] });
  }, 120000);

  afterAll(async () => {
    example?.kill('SIGTERM');
    await stack?.stop();
  });

  it('reads the documented headers and hands each event on once, deduped on event-id', async () => {
    example = spawn(process.execPath, [join(root, 'tools', 'node.cjs'), join(root, 'examples', 'webhooks-consumer', 'consumer.ts')], {
      cwd: root,
      env: { ...process.env, KAFKA_BROKERS: testInfra().kafkaBrokers, KAFKA_TOPIC_PREFIX: stack.prefix, GROUP_ID: `${stack.prefix}example` },
    });
    let buffered = '';
    example.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    let stderr = '';
    example.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => lines.find((line) => 'ready' in line), { timeoutMs: 30000, what: `the example to start (stderr: ${stderr})` });

    const phoneNumberId = `1${randomBytes(6).readUIntBE(0, 6)}`;
    const fixture = (wamid: string) => metaFixtureFor('inbound-text.json', { [FIXTURE_IDS.phoneNumberId]: phoneNumberId, [FIXTURE_IDS.inboundWamid]: wamid });
    const first = fixture(`wamid.${randomBytes(12).toString('base64url')}`);
    const second = fixture(`wamid.${randomBytes(12).toString('base64url')}`);
    // Meta re-sends the first webhook: the same change, the same event-id
    for (const body of [first, first, second]) expect((await postToIngress(body)).status).toBe(200);

    const events = await waitFor(
      () => {
        const seen = lines.filter((line) => 'event_id' in line);
        return seen.length >= 2 && lines.some((line) => 'duplicate' in line) ? seen : undefined;
      },
      { timeoutMs: 30000, what: 'two events and one duplicate from the example' },
    );
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        event_id: expect.stringMatching(/^evt_/),
        field: 'messages',
        waba_id: FIXTURE_IDS.wabaId,
        phone_number_id: phoneNumberId,
        received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
    expect(new Set(events.map((event) => event.event_id)).size).toBe(2);
    expect(lines.filter((line) => 'duplicate' in line)).toEqual([{ duplicate: events[0].event_id }]);
    expect(events.map((event) => event.bytes)).toEqual([first.length, second.length]);
  });
});
