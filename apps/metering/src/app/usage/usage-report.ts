import { csvTable } from '@wabridge/util';
import type { GroupBy, UsageQuery } from './usage-query';

/** One row of template_send_counts of the requested client and period. */
export interface TemplateCountRow {
  channelId: string;
  templateName: string;
  language: string;
  day: string;
  count: number;
}

/** One row of priced_message_counts of the requested client and period. */
export interface PricedCountRow {
  channelId: string;
  category: string;
  pricingType: string;
  day: string;
  count: number;
}

export type UsageRow = Record<string, string | number>;

export interface UsageTotals {
  template_sends: number;
  priced_messages: number;
}

/** The JSON body of GET /admin/v1/usage (docs/metering.md, Reports). */
export interface UsageReport {
  client_id: string;
  from: string;
  to: string;
  group_by: GroupBy;
  rows: UsageRow[];
  totals: UsageTotals;
}

export const GROUP_KEYS: Record<GroupBy, readonly string[]> = {
  template: ['template', 'language'],
  category: ['category', 'pricing_type'],
  day: ['day'],
  channel: ['channel_id'],
};

/** The columns of a report, in order: its group keys, then the two counts. */
export function reportColumns(groupBy: GroupBy): string[] {
  return [...GROUP_KEYS[groupBy], 'template_sends', 'priced_messages'];
}

/** The group a row falls into, or null when the grouping says nothing about that kind of count. */
function templateGroup(groupBy: GroupBy, row: TemplateCountRow): string[] | null {
  switch (groupBy) {
    case 'template':
      return [row.templateName, row.language];
    case 'category':
      return null;
    case 'day':
      return [row.day];
    case 'channel':
      return [row.channelId];
  }
}

function pricedGroup(groupBy: GroupBy, row: PricedCountRow): string[] | null {
  switch (groupBy) {
    case 'template':
      return null;
    case 'category':
      return [row.category, row.pricingType];
    case 'day':
      return [row.day];
    case 'channel':
      return [row.channelId];
  }
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

/**
 * Groups the stored counts as asked. A count the grouping cannot attribute (priced messages by
 * template, template sends by category) appears as 0 in the rows but is still part of the totals.
 */
export function buildUsageReport(
  query: Pick<UsageQuery, 'clientId' | 'from' | 'to' | 'groupBy'>,
  templates: readonly TemplateCountRow[],
  priced: readonly PricedCountRow[],
): UsageReport {
  const keys = GROUP_KEYS[query.groupBy];
  const groups = new Map<string, { key: string[]; totals: UsageTotals }>();
  const groupOf = (key: string[]) => {
    const id = key.join('\u0000');
    let group = groups.get(id);
    if (!group) {
      group = { key, totals: { template_sends: 0, priced_messages: 0 } };
      groups.set(id, group);
    }
    return group.totals;
  };
  const totals: UsageTotals = { template_sends: 0, priced_messages: 0 };
  for (const row of templates) {
    totals.template_sends += row.count;
    const key = templateGroup(query.groupBy, row);
    if (key) groupOf(key).template_sends += row.count;
  }
  for (const row of priced) {
    totals.priced_messages += row.count;
    const key = pricedGroup(query.groupBy, row);
    if (key) groupOf(key).priced_messages += row.count;
  }
  const rows = [...groups.values()]
    .sort((a, b) => compareTuples(a.key, b.key))
    .map(({ key, totals: counts }) => {
      const row: UsageRow = {};
      keys.forEach((name, i) => (row[name] = key[i]));
      return { ...row, ...counts };
    });
  return { client_id: query.clientId, from: query.from, to: query.to, group_by: query.groupBy, rows, totals };
}

/** The report's rows as CSV (see csvTable of @wabridge/util: RFC 4180, formula cells neutralised). */
export function usageReportCsv(report: UsageReport): string {
  return csvTable(reportColumns(report.group_by), report.rows);
}
