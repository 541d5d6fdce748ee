import { WebhookHeaders } from '@wabridge/contracts';
import { contextOf, traceparentOf, type Context, type Span } from '@wabridge/observability';
import type { ConsumedRecord } from './consumer-runner';

/** The W3C trace-context record headers (the contract reserves `traceparent`; `tracestate` rides along when set). */
export const TraceHeaders = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

/** Writes the span's trace context into a record's headers; nothing when tracing is off (no span). */
export function injectTraceHeaders(headers: Record<string, string>, span: Span | undefined): void {
  if (!span) return;
  const traceparent = traceparentOf(span);
  if (traceparent) headers[TraceHeaders.traceparent] = traceparent;
}

/** The trace context a consumed record carries, or undefined (none, malformed, or tracing off). */
export function traceContextOf(record: { headers: Record<string, string> }): Context | undefined {
  return contextOf(record.headers[TraceHeaders.traceparent], record.headers[TraceHeaders.tracestate]);
}

/** What a consumer span says about a record: where it was read and its event id, never its key or value. */
export function consumeSpanAttributes(record: ConsumedRecord, group: string): Record<string, string | number> {
  const eventId = record.headers[WebhookHeaders.eventId];
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': record.topic,
    'messaging.destination.partition.id': String(record.partition),
    'messaging.kafka.offset': Number(record.offset),
    'messaging.consumer.group.name': group,
    ...(eventId ? { 'wabridge.event_id': eventId } : {}),
  };
}
