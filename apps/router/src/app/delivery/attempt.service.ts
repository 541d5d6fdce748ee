import { Inject, Injectable } from '@nestjs/common';
import {
  messageKindsOf,
  splitSlotDestination,
  wantsChange,
  WebhookHeaders,
  type DeliveryErrorClass,
  type MessageKind,
  type TopicNames,
} from '@wabridge/contracts';
import { endSpanWithError, SpanKind, startSpan, tracingOn } from '@wabridge/observability';
import { buildDeliveryRequest, judgeAttempt, PartnerHttpService, type AttemptResult, type DeliveryRequest } from '@wabridge/webhook-delivery';
import { PinoLogger } from 'nestjs-pino';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { BindingRepository, type BoundChannel, type BoundDestination } from '../bindings/binding.repository';
import { destinationClassOf, endAttemptSpan } from '../metrics/attempt-span';
import { StatsTally } from '../metrics/delivery-stats';
import { attemptsTotal, deadLetters, deliveredSeries, destinationsDisabled, retriesScheduled } from '../metrics/router-metrics';
import { deadLetterRecord, retryRecord, type InboundEvent } from '../records/event-records';
import { ROUTER_CLOCK, ROUTER_PRODUCER, ROUTER_RANDOM, type Clock, type Random } from '../router.tokens';
import { breakerKey, breakerOutcome, CircuitBreakers } from './circuit-breaker';
import { planRetry } from './delivery-outcome';
import { DeliveryRepository } from './delivery.repository';
import { errorFields, OutcomeService, phoneOf, type DeliveryLogger, type RecordProducer, type ReportedTry } from './outcome.service';

export interface Failure {
  errorClass: DeliveryErrorClass;
  statusCode: number | null;
  retryAfter: string | null;
  latencyMs: number;
}

/** Where a failure's next attempt is kept: by default a retry-lane record; for ordered pairs, the parking lane. */
export type RetryScheduler = (dueAt: Date, failure: Failure) => Promise<void>;

/** One try of an event towards one target, and where its failure goes. */
export interface DeliveryTry extends ReportedTry {
  /** `partition:offset` of the whatsapp.webhooks.v1 record a first attempt came from */
  sourceOffset?: string;
  /** none = a failure's next attempt is a retry-lane record */
  schedule?: RetryScheduler;
}

/** One try of an event towards one bound destination (the target is that destination's slot). */
export interface DestinationTry extends Omit<DeliveryTry, 'target'> {
  channel: BoundChannel;
  destination: BoundDestination;
}

export type AttemptConfig = Pick<RouterConfig, 'retryTopics' | 'retry'> & { topics: Pick<TopicNames, 'dead'> };

/**
 * One event towards one destination: the breaker's admission, the HTTP attempt, and the failure made
 * durable (a retry-lane record, a parked head, or a dead letter) before the caller may resolve the
 * event; then the outcome reported. A rejection means "could not be made durable".
 */
@Injectable()
export class AttemptService {
  /** what a `messages` event carries, read from its body at most once and only for a filtering destination */
  private readonly messageKinds = new WeakMap<InboundEvent, ReadonlySet<MessageKind>>();

  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: AttemptConfig,
    @Inject(BindingRepository) private readonly bindings: Pick<BindingRepository, 'forgetDestinations'>,
    @Inject(PartnerHttpService)
    private readonly http: { post(request: DeliveryRequest, lane: 'first' | 'retry', destination: string): Promise<AttemptResult> },
    @Inject(DeliveryRepository) private readonly store: Pick<DeliveryRepository, 'disableDestination'>,
    @Inject(ROUTER_PRODUCER) private readonly producer: RecordProducer,
    private readonly outcomes: OutcomeService,
    @Inject(PinoLogger) private readonly logger: DeliveryLogger,
    /** per-destination circuit breakers; none = every attempt dials */
    @Inject(CircuitBreakers) private readonly breakers: CircuitBreakers | undefined,
    /** per-slot attempt counts and latencies for partners' stats; none = not kept */
    @Inject(StatsTally) private readonly stats: Pick<StatsTally, 'observe'> | undefined,
    @Inject(ROUTER_CLOCK) private readonly clock: Clock,
    @Inject(ROUTER_RANDOM) private readonly random: Random,
  ) {
    logger.setContext(AttemptService.name);
  }

  /**
   * Whether the destination asked for this change (its `events` filter). A change it did not ask for
   * is neither attempted nor reported: it is not a delivery, so not a failure either.
   */
  wants(event: InboundEvent, destination: BoundDestination): boolean {
    return wantsChange(destination.events ?? null, event.headers[WebhookHeaders.field] ?? null, () => {
      let kinds = this.messageKinds.get(event);
      if (!kinds) {
        try {
          kinds = messageKindsOf(JSON.parse(event.value.toString('utf8')));
        } catch {
          // an unreadable body is delivered to whoever asked for messages at all
          kinds = new Set();
        }
        this.messageKinds.set(event, kinds);
      }
      return kinds;
    });
  }

  /** An event that could not be attempted (nothing bound, unknown number): kept for a later attempt. */
  keep(kept: DeliveryTry, reason: 'no_binding' | 'unknown_number'): Promise<void> {
    return this.fail(kept, { errorClass: reason, statusCode: null, retryAfter: null, latencyMs: 0 });
  }

  async attempt({ channel, destination, ...rest }: DestinationTry): Promise<void> {
    const { event, attempt } = rest;
    const tried: DeliveryTry = { ...rest, target: { channel, slot: destination.slot, destinationId: destination.id, scope: 'slot' } };
    const lane = attempt === 1 ? 'first' : 'retry';
    const { breakers } = this;
    const key = breakerKey(destination);
    const admission = breakers?.admit(key, this.clock().getTime(), attempt === 1) ?? { dial: true, probe: false };
    if (!admission.dial) {
      // the destination is known to be down: no dial, no waiting on a timeout, straight to the retry lane
      const failure: Failure = { errorClass: 'circuit_open', statusCode: null, retryAfter: null, latencyMs: 0 };
      this.observe(channel, destination, key, { dialed: false, delivered: false, latencyMs: 0, errorClass: 'circuit_open' });
      await this.fail(tried, failure);
      return;
    }
    let result: AttemptResult;
    // tracing on: one client span per attempt, the child of the lane's consumer span (no URL: it may hold secrets)
    const span = tracingOn()
      ? startSpan('partner delivery attempt', {
          kind: SpanKind.CLIENT,
          attributes: {
            'wabridge.event_id': event.eventId,
            'wabridge.attempt': attempt,
            'wabridge.lane': lane,
            'wabridge.destination_class': destinationClassOf(destination.slot),
            // the anonymous slot label, never a key or a URL
            'wabridge.partner_slot': splitSlotDestination(destination.slot).slot,
          },
        })
      : undefined;
    try {
      result = await this.http.post(buildDeliveryRequest(event.eventId, event.value, destination, this.clock()), lane, destination.id);
    } catch (error) {
      endSpanWithError(span, error);
      // a probe that never produced a result must not leave the breaker waiting on it
      breakers?.record(key, this.clock().getTime(), 'neutral', admission);
      throw error;
    }
    if (span) endAttemptSpan(span, result);
    const series = deliveredSeries[lane][destinationClassOf(destination.slot)];
    if (result.kind === 'response') series.attemptSeconds.observe(result.latencyMs / 1000);
    const verdict = judgeAttempt(result);
    breakers?.record(key, this.clock().getTime(), breakerOutcome(verdict), admission);
    this.observe(channel, destination, key, {
      dialed: true,
      delivered: verdict.kind === 'delivered',
      latencyMs: result.latencyMs,
      errorClass: verdict.kind === 'delivered' ? null : verdict.kind === 'gone' ? 'http_status' : verdict.errorClass,
    });
    switch (verdict.kind) {
      case 'delivered': {
        const now = this.clock();
        series.attempts.inc();
        series.endToEndSeconds.observe(Math.max(0, now.getTime() - event.receivedAt.getTime()) / 1000);
        await this.outcomes.report(tried, now, {
          state: 'delivered',
          statusCode: verdict.statusCode,
          errorClass: null,
          latencyMs: result.latencyMs,
          nextAttemptAt: null,
        });
        return;
      }
      case 'gone': {
        await this.disable(event, channel, destination);
        attemptsTotal.inc({ lane, destination_class: destinationClassOf(destination.slot), state: 'disabled', error_class: 'http_status' });
        await this.outcomes.report(tried, this.clock(), {
          state: 'disabled',
          statusCode: verdict.statusCode,
          errorClass: 'http_status',
          latencyMs: result.latencyMs,
          nextAttemptAt: null,
        });
        return;
      }
      case 'failed':
        await this.fail(tried, { ...verdict, latencyMs: result.latencyMs });
        return;
      default: {
        const exhaustive: never = verdict;
        throw new Error(`unhandled verdict ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  private observe(
    channel: BoundChannel,
    destination: BoundDestination,
    key: string,
    sample: { dialed: boolean; delivered: boolean; latencyMs: number; errorClass: string | null },
  ): void {
    const now = this.clock();
    this.stats?.observe({
      ...sample,
      channelId: channel.id,
      slot: destination.slot,
      breakerState: this.breakers?.state(key, now.getTime()) ?? 'closed',
      at: now,
    });
  }

  /** 410 Gone: the partner told us to stop. This event is not retried to that destination either. */
  private async disable(event: InboundEvent, channel: BoundChannel, destination: BoundDestination): Promise<void> {
    try {
      const disabled = await this.store.disableDestination(destination.id, destination.url);
      if (disabled) destinationsDisabled.inc();
    } catch (error) {
      // the next event meets the 410 again and disables it then
      this.logger.error({ event_id: event.eventId, destination_id: destination.id, ...errorFields(error) }, 'could not disable destination');
    }
    this.bindings.forgetDestinations(channel.id);
    this.logger.warn(
      { event_id: event.eventId, channel_id: channel.id, destination_id: destination.id, destination: destination.slot },
      'destination answered 410 Gone and was disabled',
    );
  }

  /** Makes a failure durable: the next attempt on a retry lane (or where `schedule` keeps it), or a dead letter once the window is over. */
  private async fail(tried: DeliveryTry, failure: Failure): Promise<void> {
    const { event, target, attempt, sourceOffset, schedule } = tried;
    const lane = attempt === 1 ? 'first' : 'retry';
    const now = this.clock();
    const plan = planRetry({
      attempt,
      receivedAt: event.receivedAt,
      now,
      statusCode: failure.statusCode,
      retryAfter: failure.retryAfter,
      policy: this.config.retry,
      random: this.random,
    });
    const channelId = target.channel?.id ?? null;
    if (plan.state === 'retry_scheduled' && schedule) {
      await schedule(plan.dueAt, failure);
      retriesScheduled.inc({ reason: failure.errorClass });
    } else if (plan.state === 'retry_scheduled') {
      await this.producer.send(this.config.retryTopics[plan.lane], [
        retryRecord(event, {
          attempt: attempt + 1,
          slot: target.slot,
          scope: target.scope,
          channelId,
          dueAt: plan.dueAt,
          reason: failure.errorClass,
          sourceOffset,
        }),
      ]);
      retriesScheduled.inc({ reason: failure.errorClass });
    } else {
      await this.producer.send(this.config.topics.dead, [
        deadLetterRecord(event, {
          slot: target.slot,
          attempts: attempt,
          lastError: failure.errorClass,
          channelId,
          phoneNumberId: phoneOf(event, target.channel),
          deadAt: now,
        }),
      ]);
      deadLetters.inc({ reason: failure.errorClass });
      this.logger.warn(
        { event_id: event.eventId, channel_id: channelId, destination: target.slot, attempts: attempt, error_class: failure.errorClass },
        'retry window ended, event dead-lettered',
      );
    }
    attemptsTotal.inc({ lane, destination_class: destinationClassOf(target.slot), state: plan.state, error_class: failure.errorClass });
    await this.outcomes.report(tried, now, {
      state: plan.state,
      statusCode: failure.statusCode,
      errorClass: failure.errorClass,
      latencyMs: failure.latencyMs,
      nextAttemptAt: plan.state === 'retry_scheduled' ? plan.dueAt : null,
    });
  }
}
