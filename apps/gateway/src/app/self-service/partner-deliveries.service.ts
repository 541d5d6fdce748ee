import { Injectable } from '@nestjs/common';
import { slotKeyPrefix } from '@wabridge/contracts';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { DeliveriesRepository } from '../data/deliveries.repository';
import { DestinationsRepository } from '../data/destinations.repository';
import { decodeRowCursor, encodeRowCursor } from '../deliveries/deliveries-requests';
import type { Page } from '../deliveries/deliveries.service';
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
 * What a key's partner sees of a destination key (see slotDestination): the name within its own slot,
 * without the slot prefix nor a WABA-level event's phone number suffix.
 */
export function partnerDestinationName(destination: string, channel: Pick<PartnerChannel, 'slot' | 'phoneNumberId'>): string {
  return slotOf(destination, channel.phoneNumberId).slice(slotKeyPrefix(channel.slot).length);
}

/**
 * What a partner may see of its channel's deliveries: the `deliveries` rows (every event not
 * delivered at its first attempt) and the per-destination stats of the last 24 h. Every query is bound
 * to the key's channel id and partner slot, so nothing another channel or another slot's partner has
 * ever had can match.
 */
@Injectable()
export class PartnerDeliveriesService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly destinations: DestinationsRepository,
  ) {}

  async list(channel: PartnerChannel, query: PartnerDeliveriesQuery): Promise<Page<PartnerDeliveryView>> {
    const after = query.cursor ? decodeRowCursor(query.cursor) : null;
    const rows = await this.deliveries.ofSlot(channel, {
      state: query.state ?? null,
      since: query.since ?? null,
      until: query.until ?? null,
      destination: query.destination ?? null,
      eventId: query.event_id ?? null,
      after,
      limit: query.limit + 1,
    });
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      data: shown.map((row) => ({
        event_id: row.event_id,
        destination: partnerDestinationName(row.destination, channel),
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
        rows.length > query.limit && last ? encodeRowCursor({ updatedAt: last.updated_key, eventId: last.event_id, destination: last.destination }) : null,
    };
  }

  async stats(channel: PartnerChannel, now = new Date()): Promise<WebhookStats> {
    const since = new Date(now.getTime() - DAY_MS);
    const [bound, rows] = await Promise.all([this.destinations.namesOfSlot(channel.channelId, channel.slot), this.deliveries.statsOfSlot(channel, since)]);
    const statsRows: StatsRow[] = rows.map((row) => ({
      slot: partnerDestinationName(row.slot, channel),
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
      destinations: summarizeStats(statsRows, bound),
    };
  }
}
