import { Inject, Injectable } from '@nestjs/common';
import { slotDestination } from '@wabridge/contracts';
import { ChannelEntity, WebhookDestinationEntity } from '@wabridge/persistence';
import type { SecretBox } from '@wabridge/webhook-security';
import { In, IsNull, type DataSource } from 'typeorm';
import { deliveryTargetOf, type DeliveryTarget } from '@wabridge/webhook-delivery';
import { TtlCache } from '@wabridge/util';
import DataLoader from 'dataloader';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { ROUTER_DATA_SOURCE } from '../router.tokens';

/**
 * Bindings are read at every attempt but served from a cache. A change is normally seen at once
 * (PostgreSQL notifies every router on commit, see ChangeListener); this bound is the backstop should
 * a notification be lost, so a rebinding reaches every instance within 1 s (docs/delivery.md) whatever happens.
 */
export const BINDING_CACHE_MS = 500;

export const PRIMARY_SLOT = 'primary';

export interface BoundChannel {
  id: string;
  phoneNumberId: string;
  wabaId: string;
}

export interface BoundDestination extends DeliveryTarget {
  id: string;
  channelId: string;
  /**
   * What retries remember: the destination's key within the channel — `primary` or the name of an
   * extra (/multi_webhook) destination, prefixed by its partner slot outside slot `1` (slotDestination)
   */
  slot: string;
  /** deliver the channel's events to this destination in Kafka order (the parking lane) */
  ordered: boolean;
  /** the changes it asked for (see wantsChange); null or absent = everything */
  events?: readonly string[] | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toChannel(row: ChannelEntity): BoundChannel {
  return { id: row.id, phoneNumberId: row.phoneNumberId, wabaId: row.wabaId };
}

function toDestination(row: WebhookDestinationEntity, secrets: SecretBox): BoundDestination {
  return {
    id: row.id,
    channelId: row.channelId,
    slot: slotDestination(row.slot, row.kind === 'primary' ? PRIMARY_SLOT : row.name),
    ...deliveryTargetOf(row, secrets),
    ordered: row.ordered,
    events: row.events,
  };
}

/** Where a channel's events go right now: channels and their enabled destinations, briefly cached. */
/**
 * DataLoader as a batcher only: the keys asked for while one macrotask runs (every record of a Kafka
 * batch starts in one loop) are read by one query, at most 500 keys each; it remembers nothing
 * (`cache: false`): freshness is the TtlCache's, counted from the ask, before the query. A failed
 * query fails every lookup it held, and nothing is cached.
 */
const LOOKUP_BATCHING = { cache: false, maxBatchSize: 500, batchScheduleFn: (run: () => void) => setImmediate(run) } as const;

@Injectable()
export class BindingRepository {
  private readonly channelsByPhone = new TtlCache<string, BoundChannel | null>(BINDING_CACHE_MS);
  private readonly channelsById = new TtlCache<string, BoundChannel | null>(BINDING_CACHE_MS);
  private readonly channelsByWabaId = new TtlCache<string, BoundChannel[]>(BINDING_CACHE_MS);
  private readonly destinations = new TtlCache<string, BoundDestination[]>(BINDING_CACHE_MS);

  /**
   * Cache misses of one tick are read together: with many tenants most events miss (each channel's
   * entry has expired by its next event), and a query per event per lookup had the router spend its
   * CPU on PostgreSQL round trips (docs/performance.md, "Issue 15: many tenants").
   */
  private readonly channelsByPhoneLoader = new DataLoader<string, BoundChannel | null>(async (phoneNumberIds) => {
    const rows = await this.dataSource.getRepository(ChannelEntity).find({ where: { phoneNumberId: In([...phoneNumberIds]) } });
    const byPhone = new Map(rows.map((row) => [row.phoneNumberId, toChannel(row)]));
    return phoneNumberIds.map((id) => byPhone.get(id) ?? null);
  }, LOOKUP_BATCHING);

  private readonly destinationsLoader = new DataLoader<string, BoundDestination[]>(async (channelIds) => {
    const rows = await this.dataSource
      .getRepository(WebhookDestinationEntity)
      .find({ where: { channelId: In([...channelIds]), disabledAt: IsNull() }, order: { slot: 'ASC', kind: 'DESC', name: 'ASC' } });
    const byChannel = new Map<string, BoundDestination[]>();
    for (const row of rows) {
      const list = byChannel.get(row.channelId) ?? [];
      list.push(toDestination(row, this.secrets));
      byChannel.set(row.channelId, list);
    }
    return channelIds.map((id) => byChannel.get(id) ?? []);
  }, LOOKUP_BATCHING);

  /** opens the secrets stored sealed; they stay open only in this process's memory */
  private readonly secrets: SecretBox;

  constructor(
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_CONFIG) config: RouterConfig,
  ) {
    this.secrets = config.secrets;
  }

  channelByPhone(phoneNumberId: string): Promise<BoundChannel | null> {
    return this.channelsByPhone.get(phoneNumberId, () => this.channelsByPhoneLoader.load(phoneNumberId));
  }

  channelById(id: string): Promise<BoundChannel | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return this.channelsById.get(id, async () => {
      const row = await this.dataSource.getRepository(ChannelEntity).findOne({ where: { id } });
      return row ? toChannel(row) : null;
    });
  }

  /** Every channel of a WABA: account-level changes (no phone number) go to each of them. */
  channelsByWaba(wabaId: string): Promise<BoundChannel[]> {
    return this.channelsByWabaId.get(wabaId, async () => {
      const rows = await this.dataSource.getRepository(ChannelEntity).find({ where: { wabaId }, order: { createdAt: 'ASC' } });
      return rows.map(toChannel);
    });
  }

  /**
   * The destinations of every partner slot of the channel that are not disabled: by slot, primary
   * first within a slot. Each is delivered, retried and circuit-broken on its own.
   */
  destinationsOf(channelId: string): Promise<BoundDestination[]> {
    return this.destinations.get(channelId, () => this.destinationsLoader.load(channelId));
  }

  /** A channel's destinations changed (a notification, or this router disabled one after a 410). */
  forgetDestinations(channelId: string): void {
    this.destinations.invalidate(channelId);
  }

  /** A channel was created, changed or removed: its lookups by number, id and WABA are stale. */
  forgetChannel(phoneNumberId: string): void {
    this.channelsByPhone.invalidate(phoneNumberId);
    this.channelsById.clear();
    this.channelsByWabaId.clear();
  }

  /** Notifications may have been missed (listener reconnected): trust nothing cached. */
  forgetAll(): void {
    for (const cache of [this.channelsByPhone, this.channelsById, this.channelsByWabaId, this.destinations]) cache.clear();
  }
}
