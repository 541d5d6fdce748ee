import { Inject, Injectable } from '@nestjs/common';
import { DeadLetterHeaders, RetryHeaders, slotDestination, Topics } from '@wabridge/contracts';
import { latestPerEvent, readTopicRange, type BatchingProducer, type ConsumedRecord, type KafkaClient, type OutgoingRecord } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { INVALID_KEY_MESSAGE } from '../auth/partner-auth.guard';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { DeliveriesRepository } from '../data/deliveries.repository';
import { DestinationsRepository } from '../data/destinations.repository';
import { Transactions } from '../data/transactions';
import { MAX_REPLAY } from '../deliveries/deliveries-requests';
import { replayGroupPrefix } from '../deliveries/replay-group';
import { apiError, ApiException } from '../errors/api-exception';
import { GATEWAY_KAFKA, GATEWAY_PRODUCER } from '../infra/infra.module';
import { partnerDestinationName } from './partner-deliveries.service';
import { RecoverRequestsRepository } from './recover-requests.repository';
import { recoverRecord } from './recover-record';
import type { RecoverRequest } from './self-service-requests';

const READ_TIMEOUT_MS = 30_000;
const HOUR_MS = 3_600_000;
/** Kafka's record time and an event's received-at both come from ingress; this covers the gap between them. */
const SOURCE_MARGIN_MS = 60_000;

/**
 * Rows of events that did not reach the slot: dead-lettered, still retrying (the partner wants them
 * now, not at their next scheduled attempt), or dropped by a 410 Gone before the slot was bound again.
 */
const RECOVERABLE_STATES = ['dead', 'retry_scheduled', 'disabled'];

export interface RecoverAnswer {
  /** events queued for delivery again (one per event and destination) */
  queued: number;
  since: string;
  until: string;
  destination: string | null;
}

interface FailedRow {
  event_id: string;
  destination: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

interface BoundSlot {
  /** the destination's name within the key's partner slot (`primary` or a /multi_webhook name) */
  slot: string;
  ordered: boolean;
}

const errorFields = (error: unknown) => ({ err: { type: (error as Error)?.name, message: (error as Error)?.message } });

/**
 * A partner's "recover failed messages since": the channel's events received in the window that did
 * not reach a slot (dead-lettered, still retrying, or dropped by a 410) are queued again for the slot
 * bound **now** (last application wins), with their original event id, so the `webhook-id` is the one
 * the partner may already have seen. The bytes come from the dead-letter topic or, for events not
 * dead yet, from the webhooks topic around the window; each event is written to the router's first
 * retry lane as a due retry of its slot, with a fresh `received-at` (a new retry window). Every step
 * is bound to the key's channel: the rows are selected by channel id, and a dead letter is used only
 * when it carries that channel id too.
 */
@Injectable()
export class RecoverService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly transactions: Transactions,
    private readonly apiKeys: ApiKeysRepository,
    private readonly destinations: DestinationsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly recoverRequests: RecoverRequestsRepository,
    @Inject(GATEWAY_PRODUCER) private readonly producer: BatchingProducer,
    @Inject(GATEWAY_KAFKA) private readonly kafka: KafkaClient,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('RecoverService');
  }

  /** The destinations of the key's partner slot bound now (not disabled after a 410). */
  private boundSlots(channel: PartnerChannel): Promise<BoundSlot[]> {
    return this.destinations.enabledOfSlot(channel.channelId, channel.slot);
  }

  async recover(channel: PartnerChannel, request: RecoverRequest): Promise<RecoverAnswer> {
    const bound = await this.boundSlots(channel);
    if (request.destination !== null && !bound.some((slot) => slot.slot === request.destination)) {
      throw apiError(404, request.destination === 'primary' ? 'no webhook configured' : `no destination named "${request.destination}" is bound`);
    }
    if (bound.length === 0) throw apiError(404, 'no webhook configured');
    const requestId = await this.admit(channel);
    try {
      const queued = await this.queue(channel, request, request.destination === null ? bound : bound.filter((slot) => slot.slot === request.destination));
      await this.recoverRequests.setQueued(requestId, queued);
      this.logger.info({ channel_id: channel.channelId, queued }, 'partner recover queued');
      return { queued, since: request.since.toISOString(), until: request.until.toISOString(), destination: request.destination };
    } catch (error) {
      // nothing (or only duplicates) went out: the attempt does not use up the partner's budget
      await this.recoverRequests.delete(requestId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Counts the key's recovers of the last hour under a lock of the key's row, so concurrent requests on
   * any gateway instance cannot exceed the budget; a revoked key is refused here too.
   */
  private async admit(channel: PartnerChannel): Promise<string> {
    const limit = this.config.selfService.recoversPerHour;
    return this.transactions.run(async (tx) => {
      if (!(await this.apiKeys.isActive(tx, channel.keyId, 'update'))) throw apiError(401, INVALID_KEY_MESSAGE);
      const recent = await this.recoverRequests.lastHour(tx, channel.keyId);
      if (recent.n >= limit) {
        const retryAfterSeconds = Math.max(1, Math.ceil(((recent.oldest?.getTime() ?? Date.now()) + HOUR_MS - Date.now()) / 1000));
        throw new RecoverLimitError(limit, retryAfterSeconds);
      }
      return this.recoverRequests.insert(tx, channel.keyId);
    });
  }

  private async queue(channel: PartnerChannel, request: RecoverRequest, slots: BoundSlot[]): Promise<number> {
    const rows: FailedRow[] = await this.deliveries.inStates(channel, RECOVERABLE_STATES, request, MAX_REPLAY);
    const wanted = rows
      .map((row) => ({ ...row, slot: partnerDestinationName(row.destination, channel) }))
      .filter((row) => {
        const bound = slots.find((slot) => slot.slot === row.slot);
        // an `ordered` slot's undelivered events wait in order on its parking lane: only the dead left it
        return bound !== undefined && (row.state === 'dead' || !bound.ordered);
      });
    if (wanted.length === 0) return 0;
    const sources = await this.originals(channel, request, wanted);
    const now = new Date();
    const records: OutgoingRecord[] = [];
    const settled: { eventId: string; destination: string }[] = [];
    for (const row of wanted) {
      const source = sources.get(row.event_id);
      if (!source) continue;
      records.push(
        recoverRecord(source, {
          slot: slotDestination(channel.slot, row.slot),
          channelId: channel.channelId,
          attempt: row.attempts + 1,
          lastError: row.last_error,
          now,
        }),
      );
      // a still-retrying event keeps its row: its scheduled retry is still on its way (a duplicate the partner dedupes)
      if (row.state !== 'retry_scheduled') settled.push({ eventId: row.event_id, destination: row.destination });
    }
    if (records.length === 0) return 0;
    try {
      await this.producer.send(`${this.config.topics.retry}.0`, records);
    } catch (error) {
      this.logger.error(errorFields(error), 'recover could not be published');
      throw apiError(503, 'failed events could not be queued, try again');
    }
    await this.deliveries.markRecovered(channel.channelId, settled);
    return records.length;
  }

  /**
   * The original records of the wanted events, by event id: a dead letter (it carries the channel's
   * id) for dead events, the webhooks topic around the window for the others (their ids come from
   * this channel's rows, so nothing else can match).
   */
  private async originals(channel: PartnerChannel, request: RecoverRequest, wanted: FailedRow[]): Promise<Map<string, ConsumedRecord>> {
    const deadIds = new Set(wanted.filter((row) => row.state === 'dead').map((row) => row.event_id));
    const otherIds = new Set(wanted.filter((row) => row.state !== 'dead').map((row) => row.event_id));
    const eventIdOf = (record: ConsumedRecord) => record.headers[RetryHeaders.eventId] ?? '';
    try {
      const [dead, fresh] = await Promise.all([
        deadIds.size === 0
          ? []
          : readTopicRange(this.kafka, {
              topic: this.config.topics.dead,
              groupPrefix: replayGroupPrefix(this.config.topics.dead, Topics.dead),
              select: (record) => record.headers[DeadLetterHeaders.channelId] === channel.channelId && deadIds.has(eventIdOf(record)),
              timeoutMs: READ_TIMEOUT_MS,
            }),
        otherIds.size === 0
          ? []
          : readTopicRange(this.kafka, {
              topic: this.config.topics.webhooks,
              groupPrefix: replayGroupPrefix(this.config.topics.webhooks, Topics.webhooks),
              select: (record) => otherIds.has(eventIdOf(record)),
              fromTime: new Date(request.since.getTime() - SOURCE_MARGIN_MS),
              untilTime: new Date(request.until.getTime() + SOURCE_MARGIN_MS),
              stopWhen: (picked) => new Set(picked.map(eventIdOf)).size >= otherIds.size,
              timeoutMs: READ_TIMEOUT_MS,
            }),
      ]);
      return new Map(latestPerEvent([...fresh, ...dead]).map((record) => [eventIdOf(record), record]));
    } catch (error) {
      this.logger.error(errorFields(error), 'failed events could not be read');
      throw apiError(503, 'failed events could not be read, try again');
    }
  }
}

/** Over the per-key budget: 429 with a message that says when the next recover is possible. */
export class RecoverLimitError extends ApiException {
  constructor(
    limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super(429, { error: `too many recovers: at most ${limit} per key per hour; the next one is possible in ${retryAfterSeconds} s` });
  }
}
