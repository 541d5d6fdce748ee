import { REPORT_FORMATS, type ReportFormat } from './usage-query';

/** A validated statement request: one client, one UTC calendar month. */
export interface StatementRequest {
  clientId: string;
  /** YYYY-MM */
  period: string;
  /** first and last day of the period, YYYY-MM-DD (inclusive) */
  from: string;
  to: string;
  format: ReportFormat;
}

export type ParsedStatementRequest = { ok: true; request: StatementRequest } | { ok: false; error: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUERY_PARAMETERS = new Set(['format']);

/** The last calendar day of a YYYY-MM month (day 0 of the next month), as YYYY-MM-DD. */
export function lastDayOf(period: string): string {
  return new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 0)).toISOString().slice(0, 10);
}

/**
 * Validates GET /admin/v1/usage/statements/{client_id}/{YYYY-MM}. A month that has not started yet
 * has nothing to invoice and is refused; the current month is allowed (a provisional statement).
 */
export function parseStatementRequest(
  clientId: string,
  period: string,
  query: Record<string, unknown>,
  now: Date,
): ParsedStatementRequest {
  for (const [name, value] of Object.entries(query)) {
    if (!QUERY_PARAMETERS.has(name)) return { ok: false, error: `unknown query parameter ${JSON.stringify(name.slice(0, 64))}` };
    if (typeof value !== 'string') return { ok: false, error: `${name} must be given once` };
  }
  if (!UUID.test(clientId)) return { ok: false, error: 'client_id must be a UUID' };
  const match = PERIOD.exec(period);
  if (!match || Number(match[1]) < 1970) return { ok: false, error: 'period must be a month YYYY-MM' };
  if (period > now.toISOString().slice(0, 7)) return { ok: false, error: 'period must not be in the future' };
  const format = (query.format as string | undefined) ?? 'json';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    return { ok: false, error: `format must be one of ${REPORT_FORMATS.join(', ')}` };
  }
  return {
    ok: true,
    request: { clientId: clientId.toLowerCase(), period, from: `${period}-01`, to: lastDayOf(period), format: format as ReportFormat },
  };
}
