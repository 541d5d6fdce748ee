import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per process, holding the default Node metrics and the service's own. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });
