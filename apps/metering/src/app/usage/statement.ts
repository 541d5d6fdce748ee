import { csvTable, type CsvValue } from '@wabridge/util';
import type { StatementRequest } from './statement-request';

/**
 * Meta retries an unacknowledged webhook for up to 7 days, so priced statuses of a month can still
 * arrive that long after it ended; until then a statement is provisional.
 */
export const LATE_STATUS_WINDOW_DAYS = 7;

/** The channel a stored count belongs to; the number fields are null if the channel row is gone. */
export interface ChannelRef {
  channelId: string;
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
}

/** Template sends of one channel, template and language within the period. */
export interface StatementTemplateRow extends ChannelRef {
  templateName: string;
  language: string;
  count: number;
}

/** Priced messages of one channel, category and pricing type within the period. */
export interface StatementPricedRow extends ChannelRef {
  category: string;
  pricingType: string;
  count: number;
}

interface ChannelFields {
  channel_id: string;
  phone_number_id: string | null;
  display_phone_number: string | null;
}

export interface TemplateLine extends ChannelFields {
  template: string;
  language: string;
  quantity: number;
}

export interface PricedLine extends ChannelFields {
  category: string;
  pricing_type: string;
  quantity: number;
}

export interface ChannelSubtotal extends ChannelFields {
  template_sends: number;
  priced_messages: number;
}

/** The JSON body of GET /admin/v1/usage/statements/{client_id}/{YYYY-MM}. */
export interface Statement {
  client_id: string;
  client_name: string;
  period: string;
  from: string;
  to: string;
  generated_at: string;
  /** from this instant on, no status of the period can still arrive from Meta */
  final_after: string;
  provisional: boolean;
  template_sends: TemplateLine[];
  priced_messages: PricedLine[];
  channels: ChannelSubtotal[];
  totals: { template_sends: number; priced_messages: number };
}

export interface StatementInput {
  request: Pick<StatementRequest, 'clientId' | 'period' | 'from' | 'to'>;
  clientName: string;
  templates: readonly StatementTemplateRow[];
  priced: readonly StatementPricedRow[];
  generatedAt: Date;
}

/** Plain code-point order, so a statement reads the same whatever the server's locale. */
function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

function channelFields(row: ChannelRef): ChannelFields {
  return { channel_id: row.channelId, phone_number_id: row.phoneNumberId, display_phone_number: row.displayPhoneNumber };
}

/** Sums rows per key (several days or duplicates of a line collapse into one), sorted by that key. */
function sumLines<R extends ChannelRef & { count: number }, L>(rows: readonly R[], keyOf: (row: R) => string[], build: (row: R, quantity: number) => L): L[] {
  const lines = new Map<string, { key: string[]; row: R; quantity: number }>();
  for (const row of rows) {
    const key = keyOf(row);
    const id = key.join('\u0000');
    const line = lines.get(id);
    if (line) line.quantity += row.count;
    else lines.set(id, { key, row, quantity: row.count });
  }
  return [...lines.values()]
    .filter((line) => line.quantity > 0)
    .sort((a, b) => compareTuples(a.key, b.key))
    .map((line) => build(line.row, line.quantity));
}

/** The instant the period's statement becomes final: the month's end plus Meta's retry window. */
export function finalAfter(period: string): Date {
  const year = Number(period.slice(0, 4));
  const month = Number(period.slice(5, 7));
  return new Date(Date.UTC(year, month, 1 + LATE_STATUS_WINDOW_DAYS));
}

/**
 * A client's monthly statement: one line per channel × template × language (template sends) and
 * per channel × category × pricing type (priced messages), subtotals per channel and totals.
 */
export function buildStatement(input: StatementInput): Statement {
  const { request } = input;
  const templateSends = sumLines(
    input.templates,
    (row) => [row.channelId, row.templateName, row.language],
    (row, quantity): TemplateLine => ({ ...channelFields(row), template: row.templateName, language: row.language, quantity }),
  );
  const pricedMessages = sumLines(
    input.priced,
    (row) => [row.channelId, row.category, row.pricingType],
    (row, quantity): PricedLine => ({ ...channelFields(row), category: row.category, pricing_type: row.pricingType, quantity }),
  );

  const channels = new Map<string, ChannelSubtotal>();
  const subtotalOf = (line: ChannelFields) => {
    let subtotal = channels.get(line.channel_id);
    if (!subtotal) {
      const { channel_id, phone_number_id, display_phone_number } = line;
      subtotal = { channel_id, phone_number_id, display_phone_number, template_sends: 0, priced_messages: 0 };
      channels.set(line.channel_id, subtotal);
    }
    return subtotal;
  };
  const totals = { template_sends: 0, priced_messages: 0 };
  for (const line of templateSends) {
    subtotalOf(line).template_sends += line.quantity;
    totals.template_sends += line.quantity;
  }
  for (const line of pricedMessages) {
    subtotalOf(line).priced_messages += line.quantity;
    totals.priced_messages += line.quantity;
  }

  const final = finalAfter(request.period);
  return {
    client_id: request.clientId,
    client_name: input.clientName,
    period: request.period,
    from: request.from,
    to: request.to,
    generated_at: input.generatedAt.toISOString(),
    final_after: final.toISOString(),
    provisional: input.generatedAt.getTime() < final.getTime(),
    template_sends: templateSends,
    priced_messages: pricedMessages,
    channels: [...channels.values()].sort((a, b) => compareTuples([a.channel_id], [b.channel_id])),
    totals,
  };
}

export const STATEMENT_CSV_COLUMNS = [
  'period',
  'client_id',
  'client_name',
  'line_type',
  'channel_id',
  'phone_number_id',
  'display_phone_number',
  'template',
  'language',
  'category',
  'pricing_type',
  'quantity',
  'provisional',
  'generated_at',
] as const;

type CsvRow = Partial<Record<(typeof STATEMENT_CSV_COLUMNS)[number], CsvValue>>;

/**
 * The statement as one flat CSV table (RFC 4180, CRLF) for import into a finance system: every row
 * repeats the statement's identity, `line_type` says what a row is. Lines are `template_send` and
 * `priced_message`; the last two rows, `total_template_sends` and `total_priced_messages`, carry the
 * totals — sum `quantity` within one line type only.
 */
export function statementCsv(statement: Statement): string {
  const common: CsvRow = {
    period: statement.period,
    client_id: statement.client_id,
    client_name: statement.client_name,
    provisional: statement.provisional,
    generated_at: statement.generated_at,
  };
  const rows: CsvRow[] = [
    ...statement.template_sends.map((line): CsvRow => ({
      ...common,
      line_type: 'template_send',
      channel_id: line.channel_id,
      phone_number_id: line.phone_number_id,
      display_phone_number: line.display_phone_number,
      template: line.template,
      language: line.language,
      quantity: line.quantity,
    })),
    ...statement.priced_messages.map((line): CsvRow => ({
      ...common,
      line_type: 'priced_message',
      channel_id: line.channel_id,
      phone_number_id: line.phone_number_id,
      display_phone_number: line.display_phone_number,
      category: line.category,
      pricing_type: line.pricing_type,
      quantity: line.quantity,
    })),
    { ...common, line_type: 'total_template_sends', quantity: statement.totals.template_sends },
    { ...common, line_type: 'total_priced_messages', quantity: statement.totals.priced_messages },
  ];
  return csvTable(STATEMENT_CSV_COLUMNS, rows);
}
