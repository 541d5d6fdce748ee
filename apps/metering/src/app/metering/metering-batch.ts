import type { FactKind, MeteringFact, PricedMessageFact, TemplateSendFact } from './metering-facts';

/** The client and channel a fact is invoiced to. */
export interface Attribution {
  clientId: string;
  channelId: string;
}

export type AttributedPricedFact = PricedMessageFact & Attribution;

/** A fact ready to be counted: template sends carry their attribution, priced statuses got it from the channel. */
export type CountableFact = TemplateSendFact | AttributedPricedFact;

/** One row of the increment applied to template_send_counts, in its primary-key order. */
export interface TemplateCountDelta {
  clientId: string;
  day: string;
  channelId: string;
  templateName: string;
  language: string;
  count: number;
}

/** One row of the increment applied to priced_message_counts, in its primary-key order. */
export interface PricedCountDelta {
  clientId: string;
  day: string;
  channelId: string;
  category: string;
  pricingType: string;
  count: number;
}

export interface DedupeKey {
  kind: FactKind;
  wamid: string;
}

export function dedupeKeyOf(fact: DedupeKey): string {
  return `${fact.kind}\u0000${fact.wamid}`;
}

/** Plain code-point order: every instance sorts the same way whatever its locale. */
function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

/**
 * The first fact of every (kind, wamid) in the batch (Kafka order), sorted by that key. `sent`,
 * `delivered` and `read` of one message arrive as separate facts; only the first one can count.
 * Sorting makes concurrent instances take the unique-index locks in the same order (no deadlock).
 */
export function firstFactPerKey<F extends MeteringFact>(facts: readonly F[]): F[] {
  const first = new Map<string, F>();
  for (const fact of facts) {
    const key = dedupeKeyOf(fact);
    if (!first.has(key)) first.set(key, fact);
  }
  return [...first.values()].sort((a, b) => compareTuples([a.kind, a.wamid], [b.kind, b.wamid]));
}

function aggregate<F, D>(facts: readonly F[], keyOf: (fact: F) => string[], build: (key: string[], count: number) => D): D[] {
  const counts = new Map<string, { key: string[]; count: number }>();
  for (const fact of facts) {
    const key = keyOf(fact);
    const id = key.join('\u0000');
    const current = counts.get(id);
    if (current) current.count += 1;
    else counts.set(id, { key, count: 1 });
  }
  return [...counts.values()].sort((a, b) => compareTuples(a.key, b.key)).map(({ key, count }) => build(key, count));
}

/** Template sends summed per primary key of template_send_counts, sorted by it (lock order). */
export function aggregateTemplateSends(facts: readonly TemplateSendFact[]): TemplateCountDelta[] {
  return aggregate(
    facts,
    (f) => [f.clientId, f.day, f.channelId, f.templateName, f.language],
    ([clientId, day, channelId, templateName, language], count) => ({ clientId, day, channelId, templateName, language, count }),
  );
}

/** Priced messages summed per primary key of priced_message_counts, sorted by it (lock order). */
export function aggregatePricedMessages(facts: readonly AttributedPricedFact[]): PricedCountDelta[] {
  return aggregate(
    facts,
    (f) => [f.clientId, f.day, f.channelId, f.category, f.pricingType],
    ([clientId, day, channelId, category, pricingType], count) => ({ clientId, day, channelId, category, pricingType, count }),
  );
}
