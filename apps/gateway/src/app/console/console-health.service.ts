import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { ConsoleDataService } from './console-data.service';

const FETCH_TIMEOUT_MS = 2000;
const SAMPLE_EVERY_MS = 60_000;
const WINDOW_MS = 60 * 60 * 1000;
/** what each service's ConsumerLagMonitor reports: its groups' committed offsets against the partitions' ends */
const BROKER_LAG = 'wabridge_kafka_consumer_lag';

/**
 * A service's consumer lag from its /metrics: the broker's view (`wabridge_kafka_consumer_lag`, summed
 * over groups and partitions) when it reports one, else the sum of its other `*_consumer_lag` gauges;
 * null when it has none (a service without consumers).
 */
export function consumerLagOf(samples: ReturnType<typeof parseMetrics>): number | null {
  const broker = samples.filter((sample) => sample.name === BROKER_LAG);
  const lags = broker.length > 0 ? broker : samples.filter((sample) => sample.name.endsWith('_consumer_lag'));
  return lags.length > 0 ? lags.reduce((sum, sample) => sum + sample.value, 0) : null;
}

export interface ServiceHealth {
  name: string;
  ready: boolean;
  /** records behind, as the service reports it (see consumerLagOf); null for a service without consumers */
  consumer_lag: number | null;
  error?: string;
}

export interface HealthView {
  services: ServiceHealth[];
  retry_depth: number | null;
  dead_letters: number;
  /** window_minutes: how much of the last hour the ratio covers; null = since the router started */
  delivery: { success_ratio: number | null; attempts: number; window_minutes: number | null };
  checked_at: string;
}

/** Prometheus text format, the sample lines only: `name{labels} value`. */
export function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    const value = Number(match[3]);
    if (Number.isFinite(value)) samples.push({ name: match[1], labels, value });
  }
  return samples;
}

async function fetchText(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

export interface AttemptSample {
  at: number;
  delivered: number;
  total: number;
  /** when the router process started (its counters count from there) */
  routerStartedAt?: number;
}

/** The router's cumulative attempt counters and start time, from its /metrics samples. */
export function attemptsOf(samples: ReturnType<typeof parseMetrics>, now: number): AttemptSample | undefined {
  let attempts: AttemptSample | undefined;
  for (const sample of samples) {
    if (sample.name === 'wabridge_router_attempts_total') {
      attempts ??= { at: now, delivered: 0, total: 0 };
      attempts.total += sample.value;
      if (sample.labels.state === 'delivered') attempts.delivered += sample.value;
    }
    if (sample.name === 'process_start_time_seconds') {
      attempts ??= { at: now, delivered: 0, total: 0 };
      attempts.routerStartedAt = sample.value * 1000;
    }
  }
  return attempts;
}

/**
 * The router's delivery success ratio over the last hour from its cumulative counters: a router younger
 * than the hour counts exactly the hour; otherwise the oldest sample of the hour is the base; with
 * neither, the counters since the router started (window null). Records `current` into `samples`
 * (at most one per half sampling interval) and drops samples older than the hour or from before a
 * router restart.
 */
export function deliveryWindow(samples: AttemptSample[], current: AttemptSample | undefined, now: number): HealthView['delivery'] {
  if (!current) return { success_ratio: null, attempts: 0, window_minutes: null };
  while (samples.length > 0 && samples[0].at < now - WINDOW_MS) samples.shift();
  if (samples.some((sample) => sample.total > current.total)) samples.length = 0;
  const last = samples[samples.length - 1];
  if (!last || now - last.at >= SAMPLE_EVERY_MS / 2) samples.push(current);
  const young = current.routerStartedAt !== undefined && current.routerStartedAt >= now - WINDOW_MS;
  const base = young || samples[0] === current ? undefined : samples[0];
  const total = current.total - (base?.total ?? 0);
  const delivered = current.delivered - (base?.delivered ?? 0);
  const since = young ? current.routerStartedAt : base?.at;
  return {
    success_ratio: total > 0 ? delivered / total : null,
    attempts: total,
    window_minutes: since === undefined ? null : Math.round((now - since) / 60000),
  };
}

/**
 * The health page: each configured service's /health/ready and /metrics (CONSOLE_HEALTH_URLS), the
 * dead-letter count from PostgreSQL, and the router's delivery success ratio over the last hour —
 * from samples of its cumulative attempt counters taken every minute while the gateway runs
 * (`window_minutes` says how much of the hour the samples cover).
 */
@Injectable()
export class ConsoleHealthService implements OnModuleInit, OnModuleDestroy {
  private readonly samples: AttemptSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly data: ConsoleDataService,
  ) {}

  onModuleInit(): void {
    if (!this.config.console.healthTargets.some((target) => target.name === 'router')) return;
    this.timer = setInterval(() => void this.sample().catch(() => undefined), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<HealthView> {
    const now = Date.now();
    let retryDepth: number | null = null;
    let attempts: AttemptSample | undefined;
    const services = await Promise.all(
      this.config.console.healthTargets.map(async ({ name, url }): Promise<ServiceHealth> => {
        try {
          const [ready, metrics] = await Promise.all([fetchText(`${url}/health/ready`), fetchText(`${url}/metrics`)]);
          const samples = metrics.status === 200 ? parseMetrics(metrics.text) : [];
          for (const sample of samples) {
            if (sample.name === 'wabridge_router_retry_store_depth') retryDepth = (retryDepth ?? 0) + sample.value;
          }
          if (name === 'router') attempts = attemptsOf(samples, now);
          return { name, ready: ready.status === 200, consumer_lag: consumerLagOf(samples) };
        } catch (error) {
          return { name, ready: false, consumer_lag: null, error: (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable' };
        }
      }),
    );
    const delivery = deliveryWindow(this.samples, attempts, now);
    return { services, retry_depth: retryDepth, dead_letters: await this.data.deadLetterCount(), delivery, checked_at: new Date(now).toISOString() };
  }

  /** The minute's sample of the router's attempt counters: one /metrics read, no Kafka, no database. */
  private async sample(): Promise<void> {
    const router = this.config.console.healthTargets.find((target) => target.name === 'router');
    if (!router) return;
    const now = Date.now();
    const metrics = await fetchText(`${router.url}/metrics`);
    if (metrics.status === 200) deliveryWindow(this.samples, attemptsOf(parseMetrics(metrics.text), now), now);
  }
}
