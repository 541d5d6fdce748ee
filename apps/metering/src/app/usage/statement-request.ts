import { z } from 'zod';
import { clientIdSchema, firstProblem, formatSchema, queryParameters, type ReportFormat } from './usage-query';

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

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The last calendar day of a YYYY-MM month (day 0 of the next month), as YYYY-MM-DD. */
export function lastDayOf(period: string): string {
  return new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 0)).toISOString().slice(0, 10);
}

const formatParameter = queryParameters(['format']);

function statementSchema(now: Date) {
  return z.object({
    client_id: clientIdSchema,
    period: z
      .string()
      .refine((text) => Number(PERIOD.exec(text)?.[1] ?? 0) >= 1970, { message: 'must be a month YYYY-MM', abort: true })
      .refine((text) => text <= now.toISOString().slice(0, 7), 'must not be in the future'),
    format: formatSchema,
  });
}

/**
 * Validates GET /admin/v1/usage/statements/{client_id}/{YYYY-MM}. A month that has not started yet
 * has nothing to invoice and is refused; the current month is allowed (a provisional statement).
 */
export function parseStatementRequest(clientId: string, period: string, query: Record<string, unknown>, now: Date): ParsedStatementRequest {
  // the query string first: an unknown parameter is named before anything in the path
  const parameters = formatParameter.safeParse(query);
  if (!parameters.success) return { ok: false, error: firstProblem(parameters.error) };
  const result = statementSchema(now).safeParse({ client_id: clientId, period, format: parameters.data.format });
  if (!result.success) return { ok: false, error: firstProblem(result.error) };
  const { data } = result;
  return {
    ok: true,
    request: { clientId: data.client_id.toLowerCase(), period: data.period, from: `${data.period}-01`, to: lastDayOf(data.period), format: data.format },
  };
}
