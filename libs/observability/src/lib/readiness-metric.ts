import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics';
import type { ReadinessCheck } from './readiness';

let checks: ReadinessCheck[] = [];

/** The readiness checks /metrics reports (the ObservabilityModule registers the service's own). */
export function reportReadinessOf(source: ReadinessCheck[]): void {
  checks = source;
}

async function passes(readiness: ReadinessCheck): Promise<boolean> {
  try {
    return await readiness.check();
  } catch {
    return false;
  }
}

/** What /health/ready answers, as a metric: alert rules see a service that is up but not ready. */
export const readyGauge = new Gauge({
  name: 'wabridge_ready',
  help: 'Whether each readiness check of the service passes (1) or not (0), as /health/ready sees it',
  labelNames: ['check'],
  registers: [metricsRegistry],
  async collect() {
    const results = await Promise.all(checks.map(async (readiness) => [readiness.name, await passes(readiness)] as const));
    for (const [name, ok] of results) this.set({ check: name }, ok ? 1 : 0);
  },
});
