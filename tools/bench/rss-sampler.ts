import { readFileSync } from 'node:fs';
import type { ServiceProcess } from '@wabridge/local-infra';

/**
 * Samples the resident memory of service processes from /proc every 500 ms and keeps the maximum
 * per key (the service name by default). The list may grow while sampling.
 */
export class RssSampler {
  readonly maxMb = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: ServiceProcess[],
    private readonly keyOf: (service: ServiceProcess) => string = (service) => service.name,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.sample(), 500);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  private sample(): void {
    for (const service of this.services) {
      if (!service.pid) continue;
      try {
        const status = readFileSync(`/proc/${service.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        const mb = Math.round(kb / 1024);
        const key = this.keyOf(service);
        this.maxMb.set(key, Math.max(this.maxMb.get(key) ?? 0, mb));
      } catch {
        // the process may be restarting; the next sample will catch it
      }
    }
  }
}
