import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { decodeRowCursor, encodeRowCursor } from '../deliveries/deliveries-requests';
import type { Page } from '../deliveries/deliveries.service';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import type { PartnerDeliveriesQuery } from './self-service-requests';
import { summarizeStats, type DestinationStats, type StatsRow } from './stats-summary';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One event towards one destination slot, as its partner sees it: metadata only. */
export interface PartnerDeliveryView {
  event_id: string;
  destination: string;
  state: string;
  attempts: number;
  last_status_code: number | null;
  error_class: string | null;
  latency_ms: number | null;
  next_attempt_at: string | null;
  received_at: string;
  updated_at: string;
}

interface DeliveryRowRaw {
  event_id: string;
  destination: string;
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

export interface WebhookStats {
  since: string;
  until: string;
  destinations: DestinationStats[];
}

/**
 * A WABA-level event fans out to every channel of the WABA under one event id, so its row's
 * destination is `<slot>@<phone_number_id>`; the partner sees the slot.
 */
export function slotOf(destination: string, phoneNumberId: string): string {
  const suffix = `@${phoneNumberId}`;
  return destination.endsWith(suffix) ? destination.slice(0, -suffix.length) : destination;
}

/**
 * What a partner may see of its channel's deliveries: the `deliveries` rows (every event not
 * delivered at its first attempt) and the per-slot stats of the last 24 h. Every query is bound to
 * the key's channel id, so nothing another channel has ever had can match.
 */
@Injectable()
export class PartnerDeliveriesService {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async list(channel: PartnerChannel, query: PartnerDeliveriesQuery): Promise<Page<PartnerDeliveryView>> {
    const after = query.cursor ? decodeRowCursor(query.cursor) : null;
    const rows: DeliveryRowRaw[] = await this.dataSource.query(
      `SELECT event_id, destination, state, attempts, last_status_code, last_error, last_latency_ms, next_attempt_at,
              received_at, updated_at, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_key
         FROM deliveries
        WHERE channel_id = $1
          AND ($2::text IS NULL OR state = $2)
          AND ($3::timestamptz IS NULL OR received_at >= $3)
          AND ($4::timestamptz IS NULL OR received_at < $4)
          AND ($5::text IS NULL OR destination = $5 OR destination = $5 || '@' || $6)
          AND ($7::text IS NULL OR event_id = $7)
          AND ($8::timestamptz IS NULL OR (updated_at, event_id, destination) < ($8::timestamptz, $9::text, $10::text))
        ORDER BY updated_at DESC, event_id DESC, destination DESC
        LIMIT $11`,
      [
        channel.channelId,
        query.state ?? null,
        query.since ?? null,
        query.until ?? null,
        query.destination ?? null,
        channel.phoneNumberId,
        query.event_id ?? null,
        after?.updatedAt ?? null,
        after?.eventId ?? null,
        after?.destination ?? null,
        query.limit + 1,
      ],
    );
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      data: shown.map((row) => ({
        event_id: row.event_id,
        destination: slotOf(row.destination, channel.phoneNumberId),
        state: row.state,
        attempts: row.attempts,
        last_status_code: row.last_status_code,
        error_class: row.last_error,
        latency_ms: row.last_latency_ms,
        next_attempt_at: row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
        received_at: row.received_at.toISOString(),
        updated_at: row.updated_at.toISOString(),
      })),
      next_cursor:
        rows.length > query.limit && last
          ? encodeRowCursor({ updatedAt: last.updated_key, eventId: last.event_id, destination: last.destination })
          : null,
    };
  }

  async stats(channel: PartnerChannel, now = new Date()): Promise<WebhookStats> {
    const since = new Date(now.getTime() - DAY_MS);
    const [bound, rows] = await Promise.all([
      this.dataSource.query<{ slot: string }[]>(
        `SELECT CASE WHEN kind = 'primary' THEN 'primary' ELSE name END AS slot
           FROM webhook_destinations WHERE channel_id = $1 ORDER BY kind DESC, name`,
        [channel.channelId],
      ),
      this.dataSource.query<
        {
          slot: string;
          attempts: string;
          delivered: string;
          latency_buckets: string[];
          latency_max_ms: number;
          last_error: string | null;
          last_error_at: Date | null;
          breaker_state: string | null;
          breaker_at: Date | null;
        }[]
      >(
        `SELECT slot, attempts, delivered, latency_buckets, latency_max_ms, last_error, last_error_at, breaker_state, breaker_at
           FROM delivery_stats WHERE channel_id = $1 AND minute >= date_trunc('minute', $2::timestamptz)`,
        [channel.channelId, since],
      ),
    ]);
    const statsRows: StatsRow[] = rows.map((row) => ({
      slot: row.slot,
      attempts: Number(row.attempts),
      delivered: Number(row.delivered),
      latencyBuckets: row.latency_buckets.map(Number),
      latencyMaxMs: row.latency_max_ms,
      lastError: row.last_error,
      lastErrorAt: row.last_error_at,
      breakerState: row.breaker_state,
      breakerAt: row.breaker_at,
    }));
    return {
      since: since.toISOString(),
      until: now.toISOString(),
      destinations: summarizeStats(
        statsRows,
        bound.map((row) => row.slot),
      ),
    };
  }
}
