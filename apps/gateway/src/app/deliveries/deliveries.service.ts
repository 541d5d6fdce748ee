import { Inject, Injectable } from '@nestjs/common';
import { DeadLetterHeaders, Topics } from '@wabridge/contracts';
import { latestPerEvent, readTopicRange, replayRecord, type BatchingProducer, type ConsumedRecord, type KafkaClient } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { ChannelsRepository } from '../data/channels.repository';
import { DeliveriesRepository, type DeliveryRow } from '../data/deliveries.repository';
import { apiError } from '../errors/api-exception';
import { GATEWAY_KAFKA, GATEWAY_PRODUCER } from '../infra/infra.module';
import { decodeRowCursor, encodeRowCursor, type ReplayRequest } from './deliveries-requests';
import { replayGroupPrefix } from './replay-group';

const REPLAY_READ_TIMEOUT_MS = 30_000;

export interface DeliveryView {
  event_id: string;
  destination: string;
  phone_number_id: string;
  channel_id: string | null;
  state: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  next_attempt_at: string | null;
  received_at: string;
  updated_at: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

function view(row: DeliveryRow): DeliveryView {
  return {
    event_id: row.event_id,
    destination: row.destination,
    phone_number_id: row.phone_number_id,
    channel_id: row.channel_id,
    state: row.state,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    last_latency_ms: row.last_latency_ms,
    next_attempt_at: row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
    received_at: row.received_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function page(rows: DeliveryRow[], limit: number): Page<DeliveryView> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    data: shown.map(view),
    next_cursor: rows.length > limit && last ? encodeRowCursor({ updatedAt: last.updated_key, eventId: last.event_id, destination: last.destination }) : null,
  };
}

/**
 * The operator's view of deliveries (the `deliveries` table holds every event that was not delivered
 * at the first attempt) and dead-letter replay.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly channels: ChannelsRepository,
    private readonly deliveries: DeliveriesRepository,
    @Inject(GATEWAY_PRODUCER) private readonly producer: BatchingProducer,
    @Inject(GATEWAY_KAFKA) private readonly kafka: KafkaClient,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('DeliveriesService');
  }

  async channelDeliveries(channelId: string, query: { cursor?: string; limit: number }): Promise<Page<DeliveryView>> {
    if (!(await this.channels.exists(channelId))) throw apiError(404, 'channel not found');
    const after = query.cursor ? decodeRowCursor(query.cursor) : null;
    const rows = await this.deliveries.ofChannel(channelId, after, query.limit + 1);
    return page(rows, query.limit);
  }

  async deadLetters(query: { cursor?: string; limit: number; channel_id?: string }): Promise<Page<DeliveryView>> {
    const after = query.cursor ? decodeRowCursor(query.cursor) : null;
    const rows = await this.deliveries.dead(query.channel_id ?? null, after, query.limit + 1);
    return page(rows, query.limit);
  }

  /**
   * Publishes the chosen dead letters to the webhooks topic again, byte for byte, so the router
   * treats them as fresh events (to every current destination of the channel: at-least-once, the
   * same webhook-id lets partners dedupe), then marks their rows `replayed`.
   */
  async replay(request: ReplayRequest): Promise<{ replayed: number }> {
    const select =
      request.kind === 'ids'
        ? (() => {
            const wanted = new Set(request.ids);
            return (record: ConsumedRecord) => wanted.has(record.headers[DeadLetterHeaders.eventId] ?? '');
          })()
        : (record: ConsumedRecord) => {
            const deadAt = Date.parse(record.headers[DeadLetterHeaders.deadAt] ?? '');
            return record.headers[DeadLetterHeaders.channelId] === request.channelId && deadAt >= request.from.getTime() && deadAt < request.to.getTime();
          };
    let letters: ConsumedRecord[];
    try {
      letters = latestPerEvent(
        // dead letters are rare, so a full read per replay is cheap enough, and the topic stays the single source of the bytes
        await readTopicRange(this.kafka, {
          topic: this.config.topics.dead,
          groupPrefix: replayGroupPrefix(this.config.topics.dead, Topics.dead),
          select,
          timeoutMs: REPLAY_READ_TIMEOUT_MS,
        }),
      );
    } catch (error) {
      this.logger.error({ err: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'dead-letter topic could not be read');
      throw apiError(503, 'dead letters could not be read, try again');
    }
    if (letters.length === 0) return { replayed: 0 };
    const now = new Date();
    try {
      await this.producer.send(
        this.config.topics.webhooks,
        letters.map((letter) => replayRecord(letter, now)),
      );
    } catch (error) {
      // nothing is marked: the operator may simply call again (a partial publish only duplicates)
      this.logger.error({ err: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'replay could not be published');
      throw apiError(503, 'dead letters could not be republished, try again');
    }
    const eventIds = letters.map((letter) => letter.headers[DeadLetterHeaders.eventId]);
    await this.deliveries.markReplayed(eventIds);
    this.logger.info({ replayed: letters.length }, 'dead letters replayed');
    return { replayed: letters.length };
  }
}
