import { metricsRegistry } from '@wabridge/observability';
import { Counter, Histogram } from 'prom-client';

/** Labels are bounded enums only: no channel, number or URL ever becomes a label. */
export const attemptsTotal = new Counter({
  name: 'wabridge_router_attempts_total',
  help: 'Delivery attempts by lane (first|retry), resulting state and error class (none on success)',
  labelNames: ['lane', 'state', 'error_class'],
  registers: [metricsRegistry],
});

export const attemptSeconds = new Histogram({
  name: 'wabridge_router_attempt_seconds',
  help: 'Duration of one HTTP delivery attempt, response body included',
  labelNames: ['lane'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const endToEndSeconds = new Histogram({
  name: 'wabridge_router_end_to_end_seconds',
  help: 'From received-at (ingress) to a 2xx from the partner',
  labelNames: ['lane'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86400],
  registers: [metricsRegistry],
});

export const retriesScheduled = new Counter({
  name: 'wabridge_router_retries_scheduled_total',
  help: 'Retries written to a retry lane, by reason',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});

export const deadLetters = new Counter({
  name: 'wabridge_router_dead_letters_total',
  help: 'Events dead-lettered because their retry window ended, by last error',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});

export const destinationsDisabled = new Counter({
  name: 'wabridge_router_destinations_disabled_total',
  help: 'Destinations disabled after a 410 Gone',
  registers: [metricsRegistry],
});

export const recordsQuarantined = new Counter({
  name: 'wabridge_router_quarantined_total',
  help: 'Records the router could not read, kept on the quarantine topic',
  labelNames: ['topic_kind'],
  registers: [metricsRegistry],
});
