import { Injectable } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Histogram } from 'prom-client';
import { ChannelDirectoryService } from './channel-directory.service';
import type { Attribution, CountableFact } from './metering-batch';
import type { MeteringFact } from './metering-facts';
import { MeteringRepository } from './metering.repository';

const factsCounted = new Counter({
  name: 'wabridge_metering_facts_total',
  help: 'Facts counted for the first time, by kind (template_send, priced_message)',
  labelNames: ['kind'],
  registers: [metricsRegistry],
});

const duplicatesSkipped = new Counter({
  name: 'wabridge_metering_duplicates_total',
  help: 'Facts skipped because their (kind, wamid) was already counted',
  labelNames: ['kind'],
  registers: [metricsRegistry],
});

const unattributed = new Counter({
  name: 'wabridge_metering_unattributed_total',
  help: 'Priced statuses for a phone_number_id no channel has: not attributable to a client, not counted',
  registers: [metricsRegistry],
});

const applySeconds = new Histogram({
  name: 'wabridge_metering_batch_apply_seconds',
  help: 'Time to apply one batch of facts to PostgreSQL (channel lookup and transaction)',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

/** Attributes facts to clients and counts them exactly once. */
@Injectable()
export class MeteringService {
  constructor(
    private readonly channels: ChannelDirectoryService,
    private readonly repository: MeteringRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(MeteringService.name);
  }

  /** Resolves once the batch's counts are committed; rejects (nothing counted) otherwise. */
  async count(facts: readonly MeteringFact[]): Promise<void> {
    if (facts.length === 0) return;
    const stop = applySeconds.startTimer();
    const { countable, unknown } = await this.attribute(facts);
    const outcome = await this.repository.apply(countable);
    stop();
    // Reported only once the batch is applied, so a retried batch does not report twice.
    for (const [phoneNumberId, statuses] of unknown) {
      unattributed.inc(statuses);
      this.logger.warn({ phone_number_id: phoneNumberId, statuses }, 'priced statuses for an unknown phone_number_id not counted');
    }
    for (const kind of ['template_send', 'priced_message'] as const) {
      if (outcome.counted[kind] > 0) factsCounted.inc({ kind }, outcome.counted[kind]);
      if (outcome.duplicates[kind] > 0) duplicatesSkipped.inc({ kind }, outcome.duplicates[kind]);
    }
  }

  /**
   * A priced status of a number no channel has cannot be invoiced to anyone: it is left out (and its
   * offset committed like any other), counted in a metric and logged with the business number id so
   * the operator can onboard the channel. Later statuses of that number are counted once it exists.
   */
  private async attribute(facts: readonly MeteringFact[]): Promise<{ countable: CountableFact[]; unknown: Map<string, number> }> {
    const numbers = facts.flatMap((fact) => (fact.kind === 'priced_message' ? [fact.phoneNumberId] : []));
    const directory = numbers.length > 0 ? await this.channels.resolve(numbers) : new Map<string, Attribution | null>();
    const countable: CountableFact[] = [];
    const unknown = new Map<string, number>();
    for (const fact of facts) {
      if (fact.kind === 'template_send') {
        countable.push(fact);
        continue;
      }
      const attribution = directory.get(fact.phoneNumberId);
      if (attribution) countable.push({ ...fact, ...attribution });
      else unknown.set(fact.phoneNumberId, (unknown.get(fact.phoneNumberId) ?? 0) + 1);
    }
    return { countable, unknown };
  }
}
