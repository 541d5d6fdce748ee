import { Inject, Injectable } from '@nestjs/common';
import { BindingRepository, type BoundChannel, type BoundDestination } from '../bindings/binding.repository';
import { AttemptService, type DestinationTry, type RetryScheduler } from '../delivery/attempt.service';
import { OutcomeService } from '../delivery/outcome.service';
import { destinationClassOf } from '../metrics/attempt-span';
import { attemptsTotal, retriesScheduled } from '../metrics/router-metrics';
import { orderedPairKey, type InboundEvent, type OrderedPair, type ParkedTicket } from '../records/event-records';
import { ROUTER_CLOCK, type Clock } from '../router.tokens';
import { OrderedParkingRepository } from './ordered-parking.repository';
import { OrderedSequencer, type PairJob } from './ordered-sequencer';

/** Where the record came from on whatsapp.webhooks.v1: its place in the partition orders `ordered` destinations. */
export interface SourcePosition {
  partition: number;
  offset: string;
}

/**
 * A fresh event's place among the first lane's work for `ordered` destinations, taken before the
 * event awaits anything. Exactly one of `enter` or `abandon` must be called, or the key's later
 * events wait for ever.
 */
export interface OrderedPlace {
  /** the event's first attempt towards this ordered destination runs in the pair's Kafka order */
  add(channel: BoundChannel, destination: BoundDestination): void;
  /** runs the added attempts in order; rejects with the first failure once all are settled */
  enter(): Promise<void>;
  /** the event failed before knowing its destinations: the events behind it go on */
  abandon(): void;
}

/**
 * `ordered` destinations: first attempts kept in Kafka order per channel and slot, a failure parks the
 * pair (partner.deliveries.ordered.v1 and table ordered_pairs), and the parking lane's head is
 * attempted in place until it is done.
 */
@Injectable()
export class OrderedDeliveryService {
  constructor(
    @Inject(OrderedSequencer) private readonly sequencer: Pick<OrderedSequencer, 'reserve' | 'reset'>,
    @Inject(OrderedParkingRepository) private readonly parking: Pick<OrderedParkingRepository, 'appendIfParked' | 'park' | 'scheduleHead'>,
    @Inject(BindingRepository) private readonly bindings: Pick<BindingRepository, 'channelById' | 'destinationsOf'>,
    private readonly attempts: AttemptService,
    private readonly outcomes: OutcomeService,
    @Inject(ROUTER_CLOCK) private readonly clock: Clock,
  ) {}

  /** Call in the partition's offset order, before the event awaits anything. */
  reserve(event: InboundEvent, source: SourcePosition): OrderedPlace {
    const reservation = this.sequencer.reserve(`${source.partition}\u0000${event.key}`, BigInt(source.offset));
    const sourceOffset = `${source.partition}:${source.offset}`;
    const jobs: PairJob<void>[] = [];
    return {
      add: (channel, destination) => {
        const pair: OrderedPair = { channelId: channel.id, slot: destination.slot };
        jobs.push({ pair: orderedPairKey(pair), run: () => this.attemptInOrder({ event, channel, destination, attempt: 1, sourceOffset }) });
      },
      enter: async () => {
        const results = await reservation.enter(jobs);
        const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
        if (failed) throw failed.reason;
      },
      abandon: () => void reservation.enter([]),
    };
  }

  /** After a rebalance: the first lane's partitions may have moved on elsewhere. */
  reset(): void {
    this.sequencer.reset();
  }

  /**
   * A parking-lane event of an `ordered` pair, when it is the pair's head and due. Resolves with the
   * time of its next attempt (it stays the head), or null once it is done: delivered, dead-lettered
   * or dropped by a 410.
   */
  async deliverParked(ticket: ParkedTicket): Promise<{ retryAt: Date | null }> {
    const { event, pair, attempt } = ticket;
    let retryAt: Date | null = null;
    const schedule: RetryScheduler = async (dueAt) => {
      await this.parking.scheduleHead(pair, ticket.seq, attempt + 1, dueAt);
      retryAt = dueAt;
    };
    const channel = await this.bindings.channelById(pair.channelId);
    if (!channel) {
      await this.attempts.keep({ event, target: { channel: null, slot: pair.slot, destinationId: null, scope: 'slot' }, attempt, schedule }, 'unknown_number');
      return { retryAt };
    }
    const destination = (await this.bindings.destinationsOf(channel.id)).find((candidate) => candidate.slot === pair.slot);
    if (!destination) {
      await this.attempts.keep({ event, target: { channel, slot: pair.slot, destinationId: null, scope: 'slot' }, attempt, schedule }, 'no_binding');
      return { retryAt };
    }
    if (!this.attempts.wants(event, destination)) return { retryAt: null };
    await this.attempts.attempt({ event, channel, destination, attempt, schedule });
    return { retryAt };
  }

  /**
   * First attempt towards an `ordered` destination, in the pair's Kafka order: while the pair is
   * parked the event joins the queue on the parking lane; otherwise it is attempted, and a failure
   * parks the pair with this event as its head.
   */
  private async attemptInOrder(first: DestinationTry): Promise<void> {
    const { event, channel, destination, sourceOffset } = first;
    const pair: OrderedPair = { channelId: channel.id, slot: destination.slot };
    // the wait counts as attempt 1 (as a circuit_open does): the lane's first dial is attempt 2
    if (await this.parking.appendIfParked(pair, event, { attempt: 2, dueAt: null, reason: 'ordered_wait', sourceOffset })) {
      retriesScheduled.inc({ reason: 'ordered_wait' });
      attemptsTotal.inc({ lane: 'first', destination_class: destinationClassOf(destination.slot), state: 'retry_scheduled', error_class: 'ordered_wait' });
      const target = { channel, slot: destination.slot, destinationId: destination.id, scope: 'slot' as const };
      await this.outcomes.report({ event, target, attempt: 1 }, this.clock(), {
        state: 'retry_scheduled',
        statusCode: null,
        errorClass: 'ordered_wait',
        latencyMs: 0,
        nextAttemptAt: null,
      });
      return;
    }
    await this.attempts.attempt({
      ...first,
      schedule: (dueAt, failure) => this.parking.park(pair, event, { attempt: 2, dueAt, reason: failure.errorClass, sourceOffset }),
    });
  }
}
