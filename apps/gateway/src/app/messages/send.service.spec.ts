import { topicNames } from '@wabridge/contracts';
import type { BatchingProducer, OutgoingRecord } from '@wabridge/kafka';
import { metricsRegistry } from '@wabridge/observability';
import type { PinoLogger } from 'nestjs-pino';
import type { GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import type { GraphApiClient, UpstreamResult } from '../graph/graph-api.client';
import type { DataSource } from 'typeorm';
import { OutboundPublisher } from './outbound-publisher.service';
import { OutboxRepository } from './outbox.repository';
import { SendService } from './send.service';

const channel: PartnerChannel = {
  keyId: 'k',
  slot: '1',
  channelId: '2f1c0f57-6a55-4c55-9a53-0c6a3b0f6f11',
  clientId: '8d0b6f0e-3c8e-4a43-8c5e-7d0f1f2a9b22',
  phoneNumberId: '106540352242922',
  wabaId: 'w',
  displayPhoneNumber: 'd',
};
const config = { topics: topicNames('unit.'), publishTimeoutMs: 1000, outboxRelayIntervalMs: 1000 } as GatewayConfig;
const accepted: UpstreamResult = {
  kind: 'response',
  status: 200,
  contentType: 'application/json',
  body: Buffer.from('{"messaging_product":"whatsapp","messages":[{"id":"wamid.UNIT"}]}'),
};

function harness(
  upstream: UpstreamResult,
  publish: (topic: string, records: OutgoingRecord[]) => Promise<void>,
  outbox: (sql: string, parameters: unknown[]) => Promise<unknown> = () => Promise.reject(new Error('database unreachable')),
) {
  const logged: { level: string; fields: object; message: string }[] = [];
  const logger = {
    setContext: () => undefined,
    error: (fields: object, message: string) => logged.push({ level: 'error', fields, message }),
    warn: (fields: object, message: string) => logged.push({ level: 'warn', fields, message }),
  } as unknown as PinoLogger;
  const graph = { path: (id: string, edge: string) => `/v21.0/${id}/${edge}`, call: () => Promise.resolve(upstream) } as unknown as GraphApiClient;
  const producer = { send: publish } as unknown as BatchingProducer;
  const publisher = new OutboundPublisher(config, producer, new OutboxRepository({ query: outbox } as unknown as DataSource), logger);
  return { service: new SendService(publisher, graph, logger), logged };
}

async function counted(name: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? 0;
}

describe('SendService', () => {
  const request = { messaging_product: 'whatsapp', to: '4915123456789', type: 'text', text: { body: 'hi' } };
  const raw = Buffer.from(JSON.stringify(request));

  it('publishes the outbound event keyed by phone_number_id before answering', async () => {
    const published: { topic: string; records: OutgoingRecord[] }[] = [];
    const { service } = harness(accepted, (topic, records) => {
      published.push({ topic, records });
      return Promise.resolve();
    });
    expect(await service.send(channel, 'cloud', request, raw)).toBe(accepted);
    expect(published).toHaveLength(1);
    expect(published[0].topic).toBe('unit.whatsapp.outbound.v1');
    expect(published[0].records[0].key).toBe(channel.phoneNumberId);
    expect(JSON.parse(String(published[0].records[0].value))).toMatchObject({ wamid: 'wamid.UNIT', type: 'text' });
  });

  it('keeps the event in the outbox when Kafka fails, without the recipient or the content', async () => {
    const kept: unknown[][] = [];
    const before = await counted('wabridge_gateway_outbox_kept_total');
    const { service } = harness(
      accepted,
      () => Promise.reject(new Error('Kafka did not acknowledge')),
      (_sql, parameters) => {
        kept.push(parameters);
        return Promise.resolve([]);
      },
    );
    expect(await service.send(channel, 'cloud', request, raw)).toBe(accepted);
    expect(await counted('wabridge_gateway_outbox_kept_total')).toBe(before + 1);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toEqual(['wamid.UNIT', channel.phoneNumberId, channel.channelId, channel.clientId, 'text', null, null, expect.any(String)]);
    expect(JSON.stringify(kept)).not.toContain('4915123456789');
  });

  it('still answers what Meta answered when Kafka and the outbox fail, and says in a metric and a log line what was lost', async () => {
    const before = await counted('wabridge_gateway_outbound_lost_total');
    const { service, logged } = harness(accepted, () => Promise.reject(new Error('Kafka did not acknowledge')));
    expect(await service.send(channel, 'cloud', request, raw)).toBe(accepted);
    expect(await counted('wabridge_gateway_outbound_lost_total')).toBe(before + 1);
    expect(logged.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('outbound event lost'),
        fields: expect.objectContaining({ wamid: 'wamid.UNIT', channel_id: channel.channelId }),
      }),
    ]);
    expect(JSON.stringify(logged)).not.toContain('4915123456789');
  });

  it('publishes to Kafka, not lost, an event queued behind its number in the outbox when the outbox refuses it', async () => {
    // Kafka down, the outbox up: the number's first event waits in the outbox; then the database goes (a restart)
    // while Kafka is back: the next event of that number must reach Kafka rather than be lost
    let kafkaUp = false;
    let databaseUp = true;
    const published: OutgoingRecord[] = [];
    const before = await counted('wabridge_gateway_outbound_lost_total');
    const { service, logged } = harness(
      accepted,
      (_topic, records) => (kafkaUp ? (published.push(...records), Promise.resolve()) : Promise.reject(new Error('Kafka did not acknowledge'))),
      () => (databaseUp ? Promise.resolve([]) : Promise.reject(new Error('the database system is shutting down'))),
    );
    expect(await service.send(channel, 'cloud', request, raw)).toBe(accepted);
    expect(published).toHaveLength(0);
    kafkaUp = true;
    databaseUp = false;
    expect(await service.send(channel, 'cloud', request, raw)).toBe(accepted);
    expect(published).toHaveLength(1);
    expect(published[0].key).toBe(channel.phoneNumberId);
    expect(await counted('wabridge_gateway_outbound_lost_total')).toBe(before);
    expect(logged.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('publishes nothing when Meta refused or could not be reached', async () => {
    for (const upstream of [
      { kind: 'response', status: 400, contentType: 'application/json', body: Buffer.from('{"error":{"code":100}}') },
      { kind: 'unreachable' },
      { kind: 'timeout' },
    ] as UpstreamResult[]) {
      let publishes = 0;
      const { service } = harness(upstream, () => {
        publishes += 1;
        return Promise.resolve();
      });
      expect(await service.send(channel, 'cloud', request, raw)).toBe(upstream);
      expect(publishes).toBe(0);
    }
  });
});
