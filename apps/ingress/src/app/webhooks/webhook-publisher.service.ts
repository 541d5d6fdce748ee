import { Inject, Injectable } from '@nestjs/common';
import { WebhookHeaders } from '@wabridge/contracts';
import { BatchingProducer, injectTraceHeaders, quarantineRecord, type OutgoingRecord } from '@wabridge/kafka';
import { childOf, contextOf, endSpanWithError, metricsRegistry, SpanKind, SpanStatusCode, startSpan, tracingOn, type Span } from '@wabridge/observability';
import { verifyMetaSignature } from '@wabridge/webhook-security';
import { Counter, Histogram } from 'prom-client';
import { INGRESS_CONFIG, type IngressConfig } from '../../config/ingress.config';
import { splitEnvelope } from './split-envelope';

export type AcceptOutcome =
  { kind: 'accepted'; events: number } | { kind: 'unauthenticated' } | { kind: 'quarantined'; reason: string } | { kind: 'unavailable' };

const received = new Counter({
  name: 'wabridge_ingress_webhooks_total',
  help: 'Meta webhook requests by outcome: accepted, or refused by reason (unauthenticated 401, quarantined 400, too_large 413, unavailable 503, failed 500)',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

// label values bound once: no label lookup per request
const outcomes = {
  accepted: received.labels('accepted'),
  unauthenticated: received.labels('unauthenticated'),
  quarantined: received.labels('quarantined'),
  unavailable: received.labels('unavailable'),
};

/** Refusals decided before or after the publisher (WebhookReceiver): counted under the same metric. */
export const receiverRefusals = {
  tooLarge: received.labels('too_large'),
  failed: received.labels('failed'),
};

const publishSeconds = new Histogram({
  name: 'wabridge_ingress_publish_seconds',
  help: 'Time from a verified request to Kafka acknowledging all its records',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
  registers: [metricsRegistry],
});

/** How many records share a produce request: what the producer's coalescing achieves. */
export const produceBatchRecords = new Histogram({
  name: 'wabridge_ingress_produce_batch_records',
  help: 'Records per acknowledged Kafka produce request',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
  registers: [metricsRegistry],
});

export const INGRESS_PRODUCER = Symbol('INGRESS_PRODUCER');
export const INGRESS_PROBE = Symbol('INGRESS_PROBE');

/** Verifies Meta's signature, splits the request into one record per change and publishes them. */
@Injectable()
export class WebhookPublisherService {
  constructor(
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
    @Inject(INGRESS_PRODUCER) private readonly producer: BatchingProducer,
  ) {}

  accept(raw: Buffer, signature: string | undefined, traceparent: string | undefined): Promise<AcceptOutcome> {
    // tracing off: nothing more than before, and the request's own traceparent (if any) is passed on as before
    if (!tracingOn()) return this.handle(raw, signature, traceparent, undefined);
    return this.acceptTraced(raw, signature, traceparent);
  }

  /** Tracing on: a server span for the request; the records carry our producer span's traceparent. */
  private async acceptTraced(raw: Buffer, signature: string | undefined, traceparent: string | undefined): Promise<AcceptOutcome> {
    const span = startSpan('POST /webhooks/whatsapp', {
      kind: SpanKind.SERVER,
      parent: contextOf(traceparent),
      attributes: { 'http.request.method': 'POST', 'http.route': '/webhooks/whatsapp', 'http.request.body.size': raw.length },
    });
    if (!span) return this.handle(raw, signature, traceparent, undefined);
    try {
      const outcome = await this.handle(raw, signature, undefined, span);
      span.setAttribute('wabridge.outcome', outcome.kind);
      if (outcome.kind === 'accepted') span.setAttribute('wabridge.events', outcome.events);
      if (outcome.kind === 'unavailable') span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      return outcome;
    } catch (error) {
      endSpanWithError(span, error);
      throw error;
    }
  }

  private async handle(raw: Buffer, signature: string | undefined, traceparent: string | undefined, span: Span | undefined): Promise<AcceptOutcome> {
    if (!verifyMetaSignature(raw, signature, this.config.appSecrets)) {
      outcomes.unauthenticated.inc();
      return { kind: 'unauthenticated' };
    }
    const receivedAt = new Date().toISOString();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.quarantine(raw, 'malformed JSON', receivedAt);
    }
    const split = splitEnvelope(raw, parsed);
    if (!split.ok) return this.quarantine(raw, split.reason, receivedAt);

    // the records' traceparent: a producer span of ours when tracing is on
    const publish = span
      ? startSpan(`${this.config.topics.webhooks} publish`, {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.destination.name': this.config.topics.webhooks,
            'messaging.batch.message_count': split.changes.length,
            ...(split.changes.length === 1 ? { 'wabridge.event_id': split.changes[0].eventId } : {}),
          },
          parent: childOf(span),
        })
      : undefined;
    const records: OutgoingRecord[] = split.changes.map((change) => {
      const headers: Record<string, string> = {
        [WebhookHeaders.eventId]: change.eventId,
        [WebhookHeaders.receivedAt]: receivedAt,
        [WebhookHeaders.wabaId]: change.wabaId,
        [WebhookHeaders.field]: change.field,
        [WebhookHeaders.contentType]: 'application/json',
      };
      if (change.phoneNumberId) headers[WebhookHeaders.phoneNumberId] = change.phoneNumberId;
      if (traceparent) headers[WebhookHeaders.traceparent] = traceparent;
      injectTraceHeaders(headers, publish);
      return { key: change.key, value: change.value, headers };
    });
    const stop = publishSeconds.startTimer();
    try {
      await this.producer.send(this.config.topics.webhooks, records);
    } catch (error) {
      endSpanWithError(publish, error);
      outcomes.unavailable.inc();
      return { kind: 'unavailable' };
    }
    publish?.end();
    stop();
    outcomes.accepted.inc();
    return { kind: 'accepted', events: records.length };
  }

  /** Authentic but unusable: kept byte for byte on the quarantine topic for the operator. */
  private async quarantine(raw: Buffer, reason: string, receivedAt: string): Promise<AcceptOutcome> {
    try {
      await this.producer.send(this.config.topics.quarantine, [quarantineRecord(raw, { reason, receivedAt, source: 'ingress' })]);
    } catch {
      outcomes.unavailable.inc();
      return { kind: 'unavailable' };
    }
    outcomes.quarantined.inc();
    return { kind: 'quarantined', reason };
  }
}
