import { Inject, Injectable } from '@nestjs/common';
import { BindingRepository, PRIMARY_SLOT, type BoundChannel, type BoundDestination } from '../bindings/binding.repository';
import { OrderedDeliveryService, type OrderedPlace, type SourcePosition } from '../ordered/ordered-delivery.service';
import type { InboundEvent, RetryTicket } from '../records/event-records';
import { AttemptService } from './attempt.service';

/** Waits for every task, then fails with the first failure: no task is left running behind a rejection. */
async function settleAll(tasks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** An event on its way to the channels and destinations it has right now. */
interface Routing {
  event: InboundEvent;
  attempt: number;
  /** the channel a retry was kept for; null = the event's number or WABA decides */
  channelId: string | null;
  /** `partition:offset` of the whatsapp.webhooks.v1 record (first attempts) */
  sourceOffset?: string;
  /** the event's place among the `ordered` destinations' work (first attempts with a source position) */
  place?: OrderedPlace;
}

/**
 * Decides what happens to a fresh or retried event: resolve the channel's *current* destinations and
 * attempt each (AttemptService), handing `ordered` destinations to OrderedDeliveryService. A returned
 * promise means every failure was made durable (a retry-lane record, a parked pair or a dead letter)
 * and the caller may commit the event's offset; a rejection means "handle the record again".
 */
@Injectable()
export class DeliveryService {
  constructor(
    @Inject(BindingRepository) private readonly bindings: Pick<BindingRepository, 'channelByPhone' | 'channelById' | 'channelsByWaba' | 'destinationsOf'>,
    private readonly attempts: AttemptService,
    private readonly ordered: OrderedDeliveryService,
  ) {}

  /**
   * First attempt of a fresh event: every channel and destination it has right now. Call it in the
   * partition's offset order: the call reserves the event's place among the `ordered` destinations
   * before it awaits anything.
   */
  deliverFresh(event: InboundEvent, source?: SourcePosition): Promise<void> {
    if (!source) return this.route({ event, attempt: 1, channelId: null });
    const place = this.ordered.reserve(event, source);
    return this.route({ event, attempt: 1, channelId: null, sourceOffset: `${source.partition}:${source.offset}`, place });
  }

  /** After a rebalance: the first lane's partitions may have moved on elsewhere. */
  resetOrdering(): void {
    this.ordered.reset();
  }

  /** A due retry-lane record. */
  async deliverRetry(ticket: RetryTicket): Promise<void> {
    const { event, attempt } = ticket;
    if (ticket.scope === 'channel') {
      await this.route({ event, attempt, channelId: ticket.channelId });
      return;
    }
    const channel = ticket.channelId
      ? await this.bindings.channelById(ticket.channelId)
      : event.phoneNumberId
        ? await this.bindings.channelByPhone(event.phoneNumberId)
        : null;
    if (!channel) {
      await this.attempts.keep({ event, target: { channel: null, slot: ticket.slot, destinationId: null, scope: 'channel' }, attempt }, 'unknown_number');
      return;
    }
    const destinations = await this.bindings.destinationsOf(channel.id);
    const destination = destinations.find((candidate) => candidate.slot === ticket.slot);
    if (!destination) {
      // the slot was unbound (or disabled) meanwhile: keep the event for it, a new binding may come
      await this.attempts.keep({ event, target: { channel, slot: ticket.slot, destinationId: null, scope: 'slot' }, attempt }, 'no_binding');
      return;
    }
    // the slot was rebound meanwhile with an `events` filter that leaves this change out
    if (!this.attempts.wants(event, destination)) return;
    await this.attempts.attempt({ event, channel, destination, attempt });
  }

  private async channelsFor(event: InboundEvent, channelId: string | null): Promise<BoundChannel[]> {
    const { bindings } = this;
    if (channelId) {
      const channel = await bindings.channelById(channelId);
      if (channel) return [channel];
    }
    if (event.phoneNumberId) {
      const channel = await bindings.channelByPhone(event.phoneNumberId);
      return channel ? [channel] : [];
    }
    return event.wabaId ? bindings.channelsByWaba(event.wabaId) : [];
  }

  private async route({ event, attempt, channelId, sourceOffset, place }: Routing): Promise<void> {
    let plans: { channel: BoundChannel; destinations: BoundDestination[] }[];
    try {
      const channels = await this.channelsFor(event, channelId);
      plans = await Promise.all(channels.map(async (channel) => ({ channel, destinations: await this.bindings.destinationsOf(channel.id) })));
    } catch (error) {
      // the events behind this one must not wait for ever on a place that is never entered
      place?.abandon();
      throw error;
    }
    const tasks: Promise<void>[] = [];
    if (plans.length === 0) {
      tasks.push(
        this.attempts.keep(
          { event, target: { channel: null, slot: PRIMARY_SLOT, destinationId: null, scope: 'channel' }, attempt, sourceOffset },
          'unknown_number',
        ),
      );
    }
    for (const { channel, destinations } of plans) {
      if (destinations.length === 0) {
        tasks.push(
          this.attempts.keep({ event, target: { channel, slot: PRIMARY_SLOT, destinationId: null, scope: 'channel' }, attempt, sourceOffset }, 'no_binding'),
        );
        continue;
      }
      for (const destination of destinations) {
        if (!this.attempts.wants(event, destination)) continue;
        if (place && destination.ordered) place.add(channel, destination);
        else tasks.push(this.attempts.attempt({ event, channel, destination, attempt, sourceOffset }));
      }
    }
    if (place) tasks.push(place.enter());
    await settleAll(tasks);
  }
}
