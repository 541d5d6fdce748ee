import { Inject, Injectable } from '@nestjs/common';
import { ConsumerRunner, traceContextOf, type BatchContext, type BatchingProducer, type ConsumedRecord } from '@wabridge/kafka';
import { linkTo, SpanKind, traced, tracingOn } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { orderedRereads, recordConsumerLag } from '../metrics/router-metrics';
import { OrderedDeliveryService } from '../ordered/ordered-delivery.service';
import { OrderedParkingRepository } from '../ordered/ordered-parking.repository';
import { PairQueue, PartitionState, waitMs, type Parked } from '../ordered/ordered-state';
import { orderedPairKey, readParkedRecord, type ParkedTicket } from '../records/event-records';
import { ROUTER_KAFKA, ROUTER_PRODUCER, type KafkaClient } from '../router.tokens';
import { quarantineRecordOf } from './router-lane';

/** The longest single sleep of a waiting head: it then looks at the clock (and at shutdown) again. */
const MAX_SLEEP_MS = 30_000;

/** One assigned partition of the parking lane: its state, its batch context and its sleeping heads. */
class ParkingPartition extends PartitionState {
  private sleepers = new Set<() => void>();

  constructor(public context: BatchContext) {
    super();
  }

  /** Resolves after `ms`, or at once when the partition is closed. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, Math.min(ms, MAX_SLEEP_MS)));
      this.sleepers.add(wake);
    });
  }

  close(): void {
    this.closed = true;
    for (const wake of [...this.sleepers]) wake();
  }
}

export interface OrderedConsumerOptions {
  /** events held in memory per pair; beyond, the pair's records are read again once its queue drained */
  bufferPerPair: number;
  failureBackoffMs: number;
}

/**
 * The parking lane of `ordered` destinations: partner.deliveries.ordered.v1, keyed by channel and
 * slot. Each pair's events are attempted strictly one after another in Kafka order; a failing head is
 * retried in place on the retry schedule (its state in ordered_pairs survives restarts) and blocks
 * only its own pair. The lane reads ahead of blocked heads — resolving an offset here only moves the
 * fetch position — and commits the first unfinished offset itself, so a restart reads every
 * unfinished event again and skips what ordered_pairs marks done. A pair with more than
 * `bufferPerPair` events waiting keeps only that many in memory and re-reads the rest (a seek) once
 * they are through, so memory stays bounded without blocking other pairs.
 */
@Injectable()
export class OrderedConsumer {
  private readonly runner: ConsumerRunner;
  private readonly options: OrderedConsumerOptions;
  private partitions = new Map<string, ParkingPartition>();
  private inFlight = 0;

  constructor(
    @Inject(ROUTER_KAFKA) kafka: KafkaClient,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    private readonly delivery: OrderedDeliveryService,
    @Inject(OrderedParkingRepository) private readonly parking: Pick<OrderedParkingRepository, 'progress' | 'markDone'>,
    @Inject(ROUTER_PRODUCER) private readonly producer: BatchingProducer,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(OrderedConsumer.name);
    this.options = { bufferPerPair: config.orderedBufferPerPair, failureBackoffMs: 1000 };
    this.runner = new ConsumerRunner(kafka, {
      groupId: config.orderedGroupId,
      topics: [config.topics.ordered],
      handler: (records, context) => this.handle(records, context),
      logger: logger.logger,
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      maxBytesPerPartition: 1024 * 1024,
      // a rebalance may hand our partitions to another member: stop working on them
      onRebalance: () => this.closeAll(),
      onBatchEnd: (batch) => recordConsumerLag('ordered', batch.topic, batch.partition, batch.offsetLag),
    });
  }

  get isHealthy(): boolean {
    return this.runner.isHealthy;
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  /** Stops reading, lets attempts in flight finish (so their progress is stored), then stops every head. */
  async stop(): Promise<void> {
    await this.runner.stop();
    const deadline = Date.now() + this.config.deliveryTimeoutMs + 2000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.closeAll();
  }

  private closeAll(): void {
    for (const partition of this.partitions.values()) partition.close();
    this.partitions = new Map();
  }

  private partitionFor(record: ConsumedRecord, context: BatchContext): ParkingPartition {
    const key = `${record.topic}\u0000${record.partition}`;
    let partition = this.partitions.get(key);
    if (!partition) {
      partition = new ParkingPartition(context);
      this.partitions.set(key, partition);
    }
    partition.context = context;
    return partition;
  }

  private async handle(records: ConsumedRecord[], context: BatchContext): Promise<void> {
    const partition = this.partitionFor(records[0], context);
    const generation = partition.generation;
    const current = () => !partition.closed && partition.generation === generation && context.isRunning() && !context.isStale();
    try {
      for (const record of records) {
        if (!current()) break;
        const offset = BigInt(record.offset);
        if (partition.next !== null && offset < partition.next) continue;
        await this.accept(partition, record, offset);
        if (!current()) break;
        partition.next = offset + 1n;
      }
    } catch (error) {
      this.logger.warn(
        { partition: records[0].partition, err: { type: (error as Error)?.name, message: (error as Error)?.message } },
        'parked events not read, reading them again',
      );
      await partition.sleep(this.options.failureBackoffMs);
    }
    if (!current() || partition.next === null) return;
    // only the fetch position: what is committed is the first unfinished offset
    context.resolveOffset((partition.next - 1n).toString());
    this.commitProgress(partition);
  }

  private async accept(partition: ParkingPartition, record: ConsumedRecord, offset: bigint): Promise<void> {
    const read = readParkedRecord(record);
    if (!read.ok) {
      await quarantineRecordOf(this.producer, this.config, record, read.reason, 'ordered');
      this.logger.warn({ partition: record.partition, offset: record.offset, reason: read.reason }, 'unreadable parked record quarantined');
      return;
    }
    const ticket = read.value;
    const key = orderedPairKey(ticket.pair);
    let pairQueue = partition.pairs.get(key);
    if (!pairQueue) {
      pairQueue = new PairQueue(ticket.pair, await this.parking.progress(ticket.pair));
      if (partition.closed) return;
      partition.pairs.set(key, pairQueue);
    }
    if (pairQueue.admit(offset, ticket, this.options.bufferPerPair) === 'queued') this.kick(partition, key, pairQueue);
  }

  private kick(partition: ParkingPartition, key: string, pairQueue: PairQueue): void {
    if (pairQueue.working) return;
    pairQueue.working = true;
    void this.work(partition, key, pairQueue).finally(() => (pairQueue.working = false));
  }

  /** Delivers the pair's queue head after head, then re-reads what did not fit, then forgets the pair. */
  private async work(partition: ParkingPartition, key: string, pairQueue: PairQueue): Promise<void> {
    while (!partition.closed && pairQueue.queue.length > 0) {
      const head = pairQueue.queue[0];
      if (!(await this.deliverHead(partition, pairQueue, head))) return;
      await this.persistently(partition, () => this.parking.markDone(pairQueue.pair, head.ticket.seq));
      pairQueue.headDone();
      this.commitProgress(partition);
    }
    if (partition.closed) return;
    const { seek } = partition.drained(key, pairQueue);
    if (seek === null) return;
    partition.context.seek(seek.toString());
    orderedRereads.inc();
  }

  /** Tracing on: each try of a parked head is a trace of its own, linked to the event's. */
  private deliverTraced(ticket: ParkedTicket): Promise<{ retryAt: Date | null }> {
    if (!tracingOn()) return this.delivery.deliverParked(ticket);
    return traced(
      `${this.config.topics.ordered} process`,
      {
        kind: SpanKind.CONSUMER,
        root: true,
        links: linkTo(traceContextOf(ticket.event)),
        attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': this.config.topics.ordered, 'wabridge.event_id': ticket.event.eventId },
      },
      () => this.delivery.deliverParked(ticket),
    );
  }

  /** Attempts the head until it is done; false = the partition was closed first. */
  private async deliverHead(partition: ParkingPartition, pairQueue: PairQueue, head: Parked): Promise<boolean> {
    let { attempt, dueAt } = pairQueue.resumeOf(head);
    while (!partition.closed) {
      const wait = waitMs(dueAt, Date.now());
      if (wait > 0) {
        await partition.sleep(wait);
        continue;
      }
      this.inFlight += 1;
      try {
        const { retryAt } = await this.deliverTraced({ ...head.ticket, attempt, dueAt });
        if (retryAt === null) return true;
        attempt += 1;
        dueAt = retryAt;
      } catch (error) {
        this.logger.warn(
          {
            channel_id: head.ticket.pair.channelId,
            destination: head.ticket.pair.slot,
            offset: head.offset.toString(),
            err: { type: (error as Error)?.name, message: (error as Error)?.message },
          },
          'parked event not resolved, trying again',
        );
        await partition.sleep(this.options.failureBackoffMs);
      } finally {
        this.inFlight -= 1;
      }
    }
    return false;
  }

  /** Retries a bookkeeping write until it succeeds or the partition is closed. */
  private async persistently(partition: ParkingPartition, write: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        await write();
        return;
      } catch (error) {
        this.logger.warn({ err: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'ordered progress not stored, trying again');
        if (partition.closed) return;
        await partition.sleep(this.options.failureBackoffMs);
      }
    }
  }

  /** Asks for the first unfinished offset to be committed (commits coalesce in the runner; not awaited). */
  private commitProgress(partition: ParkingPartition): void {
    const low = partition.commitTarget();
    if (low === null) return;
    const previous = partition.committed;
    partition.committed = low;
    void partition.context.commit((low - 1n).toString()).catch(() => {
      if (partition.committed === low) partition.committed = previous;
    });
  }
}
