import { Inject, Injectable } from '@nestjs/common';
import { DeadLetterHeaders, Topics } from '@wabridge/contracts';
import { latestPerEvent, readTopicRange, replayRecord, type BatchingProducer, type ConsumedRecord, type KafkaClient } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { apiError } from '../errors/api-exception';
import { GATEWAY_DATA_SOURCE, GATEWAY_KAFKA, GATEWAY_PRODUCER } from '../infra/infra.module';
import { decodeRowCursor, encodeRowCursor, type ReplayRequest } from './deliveries-requests';
import { replayGroupPrefix } from './replay-group';

const REPLAY_READ_TIMEOUT_MS = 30_000;

interface DeliveryRowRaw {
  event_id: string;
  destination: string;
  phone_number_id: string;
  channel_id: string | null;
  state: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  next_attempt_at: Date | null;
  received_at: Date;
  updated_at: Date;
  updated_key: string;
}

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

const ROW_SELECT = `
  SELECT event_id, destination, phone_number_id, channel_id, state, attempts, last_status_code, last_error,
         last_latency_ms, next_attempt_at, received_at, updated_at,
         to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_key
    FROM deliveries`;

function view(row: DeliveryRowRaw): DeliveryView {
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

function page(rows: DeliveryRowRaw[], limit: number): Page<DeliveryView> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    data: shown.map(view),
    next_cursor:
      rows.length > limit && last ? encodeRowCursor({ updatedAt: last.updated_key, eventId: last.event_id, destination: last.destination }) : null,
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
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(GATEWAY_PRODUCER) private readonly producer: BatchingProducer,
    @Inject(GATEWAY_KAFKA) private readonly kafka: KafkaClient,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('DeliveriesService');
  }

  async channelDeliveries(channelId: string, query: { cursor?: string; limit: number }): Promise<Page<DeliveryView>> {
    const found: unknown[] = await this.dataSource.query(`SELECT 1 FROM channels WHERE id = $1`, [channelId]);
    if (found.length === 0) throw apiError(404, 'channel not found');
    const after = query.cursor ? decodeRowCursor(query.cursor) : null;
    const rows: DeliveryRowRaw[] = await this.dataSource.query(
      `${ROW_SELECT}
        WHERE channel_id = $1
          AND ($2::timestamptz IS NULL OR (updated_at, event_id, destination) < ($2::timestamptz, $3::text, $4::text))
        ORDER BY updated_at DESC, event_id DESC, destination DESC
        LIMIT $5`,
      [channelId, after?.updatedAt ?? null, after?.eventId ?? null, after?.destination ?? null, query.limit + 1],
    );
    return page(rows, query.limit);
  }

  async deadLetters(query: { cursor?: string; limit: number; channel_id?: string }): Promise<Page<DeliveryView>> {
    const after = query.cursor ? decodeRowCursor(query.cursor) : null;
    const rows: DeliveryRowRaw[] = await this.dataSource.query(
      `${ROW_SELECT}
        WHERE state = 'dead'
          AND ($1::uuid IS NULL OR channel_id = $1::uuid)
          AND ($2::timestamptz IS NULL OR (updated_at, event_id, destination) < ($2::timestamptz, $3::text, $4::text))
        ORDER BY updated_at DESC, event_id DESC, destination DESC
        LIMIT $5`,
      [query.channel_id ?? null, after?.updatedAt ?? null, after?.eventId ?? null, after?.destination ?? null, query.limit + 1],
    );
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
            return (
              record.headers[DeadLetterHeaders.channelId] === request.channelId &&
              deadAt >= request.from.getTime() &&
              deadAt < request.to.getTime()
            );
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
    await this.dataSource.query(
      `UPDATE deliveries SET state = 'replayed', next_attempt_at = NULL, updated_at = now()
        WHERE event_id = ANY($1::text[]) AND state = 'dead'`,
      [eventIds],
    );
    this.logger.info({ replayed: letters.length }, 'dead letters replayed');
    return { replayed: letters.length };
  }
}
