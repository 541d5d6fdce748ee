import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { METERING_DATA_SOURCE } from '../database/database.module';
import {
  aggregatePricedMessages,
  aggregateTemplateSends,
  dedupeKeyOf,
  firstFactPerKey,
  type AttributedPricedFact,
  type CountableFact,
  type DedupeKey,
  type PricedCountDelta,
  type TemplateCountDelta,
} from './metering-batch';
import type { FactKind, TemplateSendFact } from './metering-facts';

export interface ApplyOutcome {
  /** facts counted for the first time, by kind */
  counted: Record<FactKind, number>;
  /** facts whose (kind, wamid) was already counted, in this batch or any earlier one */
  duplicates: Record<FactKind, number>;
}

// unnest() turns one array parameter per column into rows, in array order: a whole batch is one
// parameterised multi-row statement whatever its size (no 65535-parameter limit to chunk around).
const INSERT_DEDUPE = `
  INSERT INTO metering_dedupe (kind, wamid, counted_at)
  SELECT kind, wamid, now() FROM unnest($1::text[], $2::text[]) AS input(kind, wamid)
  ON CONFLICT (kind, wamid) DO NOTHING
  RETURNING kind, wamid`;

const UPSERT_TEMPLATE_COUNTS = `
  INSERT INTO template_send_counts AS counts (client_id, day, channel_id, template_name, language, count)
  SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::text[], $5::text[], $6::bigint[])
  ON CONFLICT (client_id, day, channel_id, template_name, language)
  DO UPDATE SET count = counts.count + EXCLUDED.count`;

const UPSERT_PRICED_COUNTS = `
  INSERT INTO priced_message_counts AS counts (client_id, day, channel_id, category, pricing_type, count)
  SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::text[], $5::text[], $6::bigint[])
  ON CONFLICT (client_id, day, channel_id, category, pricing_type)
  DO UPDATE SET count = counts.count + EXCLUDED.count`;

/**
 * Applies a batch of facts exactly once: the dedupe keys and the count increments are written in
 * one transaction, so a batch seen again (crash before the offset commit, rebalance, duplicate
 * webhook) finds its keys taken and adds nothing.
 */
@Injectable()
export class MeteringRepository {
  constructor(@Inject(METERING_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async apply(facts: readonly CountableFact[]): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = {
      counted: { template_send: 0, priced_message: 0 },
      duplicates: { template_send: 0, priced_message: 0 },
    };
    if (facts.length === 0) return outcome;
    for (const fact of facts) outcome.duplicates[fact.kind] += 1;

    const unique = firstFactPerKey(facts);
    await this.dataSource.transaction(async (manager) => {
      const inserted = await manager.query<DedupeKey[]>(INSERT_DEDUPE, [unique.map((f) => f.kind), unique.map((f) => f.wamid)]);
      const fresh = new Set(inserted.map(dedupeKeyOf));
      const templates: TemplateSendFact[] = [];
      const priced: AttributedPricedFact[] = [];
      for (const fact of unique) {
        if (!fresh.has(dedupeKeyOf(fact))) continue;
        if (fact.kind === 'template_send') templates.push(fact);
        else priced.push(fact);
      }
      await this.upsertTemplateCounts(manager, aggregateTemplateSends(templates));
      await this.upsertPricedCounts(manager, aggregatePricedMessages(priced));
      outcome.counted.template_send = templates.length;
      outcome.counted.priced_message = priced.length;
    });
    outcome.duplicates.template_send -= outcome.counted.template_send;
    outcome.duplicates.priced_message -= outcome.counted.priced_message;
    return outcome;
  }

  private async upsertTemplateCounts(manager: EntityManager, rows: TemplateCountDelta[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(UPSERT_TEMPLATE_COUNTS, [
      rows.map((r) => r.clientId),
      rows.map((r) => r.day),
      rows.map((r) => r.channelId),
      rows.map((r) => r.templateName),
      rows.map((r) => r.language),
      rows.map((r) => r.count),
    ]);
  }

  private async upsertPricedCounts(manager: EntityManager, rows: PricedCountDelta[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(UPSERT_PRICED_COUNTS, [
      rows.map((r) => r.clientId),
      rows.map((r) => r.day),
      rows.map((r) => r.channelId),
      rows.map((r) => r.category),
      rows.map((r) => r.pricingType),
      rows.map((r) => r.count),
    ]);
  }
}
