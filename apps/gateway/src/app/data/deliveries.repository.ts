import { Inject, Injectable } from '@nestjs/common';
import { SLOT_SEPARATOR, slotKeyPrefix } from '@wabridge/contracts';
import type { DataSource } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

/** A position in (updated_at, event_id, destination) order; `updatedAt` is Postgres's text to the microsecond. */
export interface DeliveryRowKey {
  updatedAt: string;
  eventId: string;
  destination: string;
}

/** A `deliveries` row (metadata of an event not delivered at its first attempt), with its cursor key. */
export interface DeliveryRow {
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
  /** updated_at to the microsecond, for a cursor */
  updated_key: string;
}

/** What a partner may filter its deliveries by. */
export interface PartnerDeliveriesFilter {
  state: string | null;
  since: string | null;
  until: string | null;
  /** a destination name within the partner's slot */
  destination: string | null;
  eventId: string | null;
  after: DeliveryRowKey | null;
  limit: number;
}

/** One destination slot's counts in one minute (`delivery_stats`), bigint columns as text. */
export interface DeliveryStatsRow {
  slot: string;
  attempts: string;
  delivered: string;
  latency_buckets: string[];
  latency_max_ms: number;
  last_error: string | null;
  last_error_at: Date | null;
  breaker_state: string | null;
  breaker_at: Date | null;
}

/** A partner's key scope: its channel and slot (and number, for WABA-level events' destination suffix). */
export interface SlotScope {
  channelId: string;
  slot: string;
  phoneNumberId: string;
}

const ROW_SELECT = `
  SELECT event_id, destination, phone_number_id, channel_id, state, attempts, last_status_code, last_error,
         last_latency_ms, next_attempt_at, received_at, updated_at,
         to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_key
    FROM deliveries`;

/**
 * SQL: whether the destination key in `column` belongs to the slot whose key prefix is parameter
 * `prefix` (slot `1`: keys without a separator), with the separator as parameter `separator`.
 */
function slotKeyCondition(column: string, prefix: string, separator: string): string {
  return `((${prefix} = '' AND strpos(${column}, ${separator}) = 0) OR (${prefix} <> '' AND starts_with(${column}, ${prefix})))`;
}

/**
 * What the router recorded of deliveries (`deliveries`, `delivery_stats`), as the operator and
 * partners read it, and the states a replay or a recover moves rows to. Partner reads are always
 * bound to the key's channel and slot.
 */
@Injectable()
export class DeliveriesRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** A channel's rows, newest first, after the cursor position. */
  async ofChannel(channelId: string, after: DeliveryRowKey | null, limit: number): Promise<DeliveryRow[]> {
    return this.dataSource.query(
      `${ROW_SELECT}
        WHERE channel_id = $1
          AND ($2::timestamptz IS NULL OR (updated_at, event_id, destination) < ($2::timestamptz, $3::text, $4::text))
        ORDER BY updated_at DESC, event_id DESC, destination DESC
        LIMIT $5`,
      [channelId, after?.updatedAt ?? null, after?.eventId ?? null, after?.destination ?? null, limit],
    );
  }

  /** Dead-lettered rows, newest first, after the cursor position, of one channel or all. */
  async dead(channelId: string | null, after: DeliveryRowKey | null, limit: number): Promise<DeliveryRow[]> {
    return this.dataSource.query(
      `${ROW_SELECT}
        WHERE state = 'dead'
          AND ($1::uuid IS NULL OR channel_id = $1::uuid)
          AND ($2::timestamptz IS NULL OR (updated_at, event_id, destination) < ($2::timestamptz, $3::text, $4::text))
        ORDER BY updated_at DESC, event_id DESC, destination DESC
        LIMIT $5`,
      [channelId, after?.updatedAt ?? null, after?.eventId ?? null, after?.destination ?? null, limit],
    );
  }

  async countDead(): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM deliveries WHERE state = 'dead'`);
    return row.n;
  }

  /** The dead rows of these events were published again by a dead-letter replay. */
  async markReplayed(eventIds: string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE deliveries SET state = 'replayed', next_attempt_at = NULL, updated_at = now()
        WHERE event_id = ANY($1::text[]) AND state = 'dead'`,
      [eventIds],
    );
  }

  /** The rows of a partner's slot, newest first, filtered. */
  async ofSlot(scope: SlotScope, filter: PartnerDeliveriesFilter): Promise<Omit<DeliveryRow, 'phone_number_id' | 'channel_id'>[]> {
    return this.dataSource.query(
      `SELECT event_id, destination, state, attempts, last_status_code, last_error, last_latency_ms, next_attempt_at,
              received_at, updated_at, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_key
         FROM deliveries
        WHERE channel_id = $1
          AND ($2::text IS NULL OR state = $2)
          AND ($3::timestamptz IS NULL OR received_at >= $3)
          AND ($4::timestamptz IS NULL OR received_at < $4)
          AND ${slotKeyCondition('destination', '$12::text', '$13::text')}
          AND ($5::text IS NULL OR destination = $12 || $5 OR destination = $12 || $5 || '@' || $6)
          AND ($7::text IS NULL OR event_id = $7)
          AND ($8::timestamptz IS NULL OR (updated_at, event_id, destination) < ($8::timestamptz, $9::text, $10::text))
        ORDER BY updated_at DESC, event_id DESC, destination DESC
        LIMIT $11`,
      [
        scope.channelId,
        filter.state,
        filter.since,
        filter.until,
        filter.destination,
        scope.phoneNumberId,
        filter.eventId,
        filter.after?.updatedAt ?? null,
        filter.after?.eventId ?? null,
        filter.after?.destination ?? null,
        filter.limit,
        slotKeyPrefix(scope.slot),
        SLOT_SEPARATOR,
      ],
    );
  }

  /** The slot's rows in these states whose event was received in [since, until), oldest first. */
  async inStates(
    scope: Pick<SlotScope, 'channelId' | 'slot'>,
    states: readonly string[],
    window: { since: Date; until: Date },
    limit: number,
  ): Promise<{ event_id: string; destination: string; state: string; attempts: number; last_error: string | null }[]> {
    return this.dataSource.query(
      `SELECT event_id, destination, state, attempts, last_error FROM deliveries
        WHERE channel_id = $1 AND state = ANY($2::text[]) AND received_at >= $3 AND received_at < $4
          AND ${slotKeyCondition('destination', '$6::text', '$7::text')}
        ORDER BY received_at LIMIT $5`,
      [scope.channelId, states, window.since, window.until, limit, slotKeyPrefix(scope.slot), SLOT_SEPARATOR],
    );
  }

  /** These rows of the channel were queued again by a recover: those dead or disabled become `replayed`. */
  async markRecovered(channelId: string, rows: readonly { eventId: string; destination: string }[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE deliveries d SET state = 'replayed', next_attempt_at = NULL, updated_at = now()
         FROM unnest($2::text[], $3::text[]) AS r (event_id, destination)
        WHERE d.channel_id = $1 AND d.event_id = r.event_id AND d.destination = r.destination AND d.state IN ('dead', 'disabled')`,
      [channelId, rows.map((item) => item.eventId), rows.map((item) => item.destination)],
    );
  }

  /** The slot's per-minute stats rows from the minute of `since` on. */
  async statsOfSlot(scope: Pick<SlotScope, 'channelId' | 'slot'>, since: Date): Promise<DeliveryStatsRow[]> {
    return this.dataSource.query(
      `SELECT slot, attempts, delivered, latency_buckets, latency_max_ms, last_error, last_error_at, breaker_state, breaker_at
         FROM delivery_stats
        WHERE channel_id = $1 AND minute >= date_trunc('minute', $2::timestamptz) AND ${slotKeyCondition('slot', '$3::text', '$4::text')}`,
      [scope.channelId, since, slotKeyPrefix(scope.slot), SLOT_SEPARATOR],
    );
  }
}
