export const GROUP_BYS = ['template', 'category', 'day', 'channel'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A validated usage request: dates are inclusive UTC days, YYYY-MM-DD. */
export interface UsageQuery {
  clientId: string;
  from: string;
  to: string;
  groupBy: GroupBy;
  format: ReportFormat;
}

export type ParsedUsageQuery = { ok: true; query: UsageQuery } | { ok: false; error: string };

const PARAMETERS = new Set(['client_id', 'from', 'to', 'group_by', 'format']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day (no 2025-02-30) in a range PostgreSQL's date type and invoices make sense for. */
export function isDay(text: string): boolean {
  const match = DATE.exec(text);
  if (!match || Number(match[1]) < 1970) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function firstDayOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

function lastDayOfMonth(day: string): string {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

/**
 * Validates the query string of GET /admin/v1/usage. Without dates the report covers the current
 * UTC month; with only one of them, that date's month. group_by defaults to template (what invoices
 * are based on), format to json. Unknown parameters are refused, so a typo never yields a
 * silently different report.
 */
export function parseUsageQuery(raw: Record<string, unknown>, now: Date): ParsedUsageQuery {
  const params: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!PARAMETERS.has(name)) return { ok: false, error: `unknown query parameter ${JSON.stringify(name.slice(0, 64))}` };
    if (typeof value !== 'string') return { ok: false, error: `${name} must be given once` };
    params[name] = value;
  }

  const clientId = params.client_id;
  if (clientId === undefined || clientId === '') return { ok: false, error: 'client_id is required' };
  if (!UUID.test(clientId)) return { ok: false, error: 'client_id must be a UUID' };

  for (const name of ['from', 'to'] as const) {
    const value = params[name];
    if (value !== undefined && !isDay(value)) return { ok: false, error: `${name} must be a date YYYY-MM-DD` };
  }
  const today = now.toISOString().slice(0, 10);
  const from = params.from ?? firstDayOfMonth(params.to ?? today);
  const to = params.to ?? lastDayOfMonth(params.from ?? today);
  if (from > to) return { ok: false, error: 'from must not be after to' };

  const groupBy = params.group_by ?? 'template';
  if (!(GROUP_BYS as readonly string[]).includes(groupBy)) {
    return { ok: false, error: `group_by must be one of ${GROUP_BYS.join(', ')}` };
  }
  const format = params.format ?? 'json';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    return { ok: false, error: `format must be one of ${REPORT_FORMATS.join(', ')}` };
  }
  return {
    ok: true,
    query: { clientId: clientId.toLowerCase(), from, to, groupBy: groupBy as GroupBy, format: format as ReportFormat },
  };
}
