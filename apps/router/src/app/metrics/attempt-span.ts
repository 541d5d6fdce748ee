import { splitSlotDestination } from '@wabridge/contracts';
import { SpanStatusCode, type Span } from '@wabridge/observability';
import { PRIMARY_SLOT } from '../bindings/binding.repository';
import type { AttemptResult } from '@wabridge/webhook-delivery';

/** A bounded label for a destination: the channel's primary webhook or one of its extra (named) destinations. */
export type DestinationClass = 'primary' | 'extra';

/** `slot`: the destination key (slotDestination): a slot's primary webhook is `primary` in every partner slot. */
export function destinationClassOf(slot: string): DestinationClass {
  return splitSlotDestination(slot).name === PRIMARY_SLOT ? 'primary' : 'extra';
}

/** Ends an attempt's span with what the partner answered: its status code or the error class, never the body. */
export function endAttemptSpan(span: Span, result: AttemptResult): void {
  span.setAttribute('wabridge.latency_ms', result.latencyMs);
  if (result.kind === 'response') {
    span.setAttribute('http.response.status_code', result.statusCode);
    if (result.statusCode < 200 || result.statusCode >= 300) span.setStatus({ code: SpanStatusCode.ERROR });
  } else {
    span.setAttribute('error.type', result.errorClass);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
