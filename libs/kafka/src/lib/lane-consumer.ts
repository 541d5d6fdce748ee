import type { BatchEnd } from './consumer-runner';
import { ConsumerRunner } from './consumer-runner';
import type { KafkaClient, KafkaLogger } from './kafka-client';
import { PartitionPipeline, type PipelineOptions } from './partition-pipeline';

/** How long a batch call waits for unfinished records, none finishing, before kafkajs may fetch again. */
export const HOLD_MS = 200;

/**
 * How long a batch call may wait while its records keep finishing. During a backlog, returning
 * after HOLD_MS had kafkajs fetch and decode each record ~3.5 times (the ones in flight come back
 * with every refetch, to be skipped).
 */
export const MAX_HOLD_MS = 1000;

/**
 * Batches are kept small: a stuck record causes refetches of at most this much per hold, and what a
 * partition has in flight (records, and the fetch buffers they point into) stays small. Drain A/B
 * against 1 MB: about a third less peak RSS, slightly less CPU per delivery.
 */
const MAX_BYTES_PER_PARTITION = 256 * 1024;

export interface LaneConsumerOptions extends Omit<PipelineOptions, 'holdMs'> {
  groupId: string;
  topics: string[];
  logger: KafkaLogger;
  /** partitions handled at the same time; every batch call returns within MAX_HOLD_MS, so this can be generous */
  partitionsConsumedConcurrently?: number;
  /** after every (re)join of the group, once the pipeline forgot its partitions */
  onRebalance?: () => void;
  /** after every batch call, with the partition's lag (for a consumer lag metric) */
  onBatchEnd?: (batch: BatchEnd) => void;
}

/**
 * A consumer group member feeding a PartitionPipeline: records of a partition run concurrently, their
 * offsets are committed in order, and a slow record does not hold up the ones behind it.
 */
export class LaneConsumer {
  private readonly runner: ConsumerRunner;
  private readonly pipeline: PartitionPipeline;

  constructor(kafka: KafkaClient, options: LaneConsumerOptions) {
    this.pipeline = new PartitionPipeline({ ...options, holdMs: HOLD_MS, maxHoldMs: MAX_HOLD_MS });
    this.runner = new ConsumerRunner(kafka, {
      groupId: options.groupId,
      topics: options.topics,
      handler: this.pipeline.handle,
      logger: options.logger,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 16,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      // A rebalance may hand our partitions to another member: what we still track must not be
      // resolved against the new assignment.
      onRebalance: () => {
        this.pipeline.reset();
        options.onRebalance?.();
      },
      onBatchEnd: options.onBatchEnd,
    });
  }

  get isHealthy(): boolean {
    return this.runner.isHealthy;
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  /** Stops consuming (batch calls drain their records first), then waits for stragglers. */
  async stop(drainMs: number): Promise<void> {
    await this.runner.stop();
    await this.pipeline.drain(drainMs);
    this.pipeline.close();
  }
}
