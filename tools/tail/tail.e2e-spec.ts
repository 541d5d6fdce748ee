import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BatchingProducer, createKafka, ensureTopics } from '@wabridge/kafka';
import { testInfra } from '@wabridge/testing';

const root = join(__dirname, '..', '..');

/** Runs `npm run tail -- …` as the operator would (through tools/node.cjs), until it exits. */
function runTail(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'tools', 'node.cjs'), join(root, 'tools', 'tail', 'tail.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run tail against the real broker', () => {
  const prefix = `tail${randomBytes(3).toString('hex')}.`;
  const topic = 'partner.deliveries.dead.v1';
  const body = '{"object":"whatsapp_business_account","entry":[]}';

  beforeAll(async () => {
    const kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: 'tail-e2e' });
    await ensureTopics(kafka, [{ topic: prefix + topic, numPartitions: 1 }]);
    const producer = new BatchingProducer(kafka);
    await producer.connect();
    await producer.send(
      prefix + topic,
      [1, 2, 3].map((n) => ({ key: `10654035224292${n}`, value: body, headers: { 'event-id': `evt_${n}`, destination: 'primary' } })),
    );
    await producer.disconnect();
  }, 60000);

  it('prints ids, headers and sizes, one JSON line per record, without bodies', async () => {
    const { code, stdout } = await runTail([topic, '--from-beginning', '--max', '3'], { KAFKA_BROKERS: testInfra().kafkaBrokers, KAFKA_TOPIC_PREFIX: prefix });
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(
      [1, 2, 3].map((n, index) => ({
        topic: prefix + topic,
        partition: 0,
        offset: String(index),
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        key: `10654035224292${n}`,
        size: Buffer.byteLength(body),
        headers: { 'event-id': `evt_${n}`, destination: 'primary' },
      })),
    );
    expect(stdout).not.toContain('whatsapp_business_account');
  }, 60000);

  it('prints the bodies only with --bodies', async () => {
    const { code, stdout } = await runTail([prefix + topic, '--from-beginning', '--max', '1', '--bodies'], { KAFKA_BROKERS: testInfra().kafkaBrokers });
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({ headers: { 'event-id': 'evt_1' }, body });
  }, 60000);

  it('answers a bad command line with the usage and exit status 2', async () => {
    const { code, stderr } = await runTail(['--max', 'ten'], { KAFKA_BROKERS: testInfra().kafkaBrokers });
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run tail -- <topic>');
  }, 60000);
});
