import { z } from 'zod';

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

const PARAMETERS = ['client_id', 'from', 'to', 'group_by', 'format'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A report's query string: only the named parameters, each given once (a repeated one arrives as an
 * array). Keys are checked in the order they came, so the first offending one is named.
 */
export function queryParameters(names: readonly string[]) {
  const known = new Set(names);
  return z.record(
    z.string().refine((name) => known.has(name), {
      error: (issue) => `unknown query parameter ${JSON.stringify(String(issue.input).slice(0, 64))}`,
    }),
    z.string({ error: 'must be given once' }),
  );
}

/** The client of a report: a UUID, lower-cased. */
export const clientIdSchema = z.string({ error: 'is required' }).min(1, 'is required').regex(UUID, 'must be a UUID');

export const formatSchema = z.enum(REPORT_FORMATS, { error: `must be one of ${REPORT_FORMATS.join(', ')}` }).default('json');

/** The first problem as metering's error text: `<parameter> <problem>`, or the problem alone. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  const field = issue.path.join('.');
  return field ? `${field} ${issue.message}` : issue.message;
}

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

const day = z.string().refine(isDay, 'must be a date YYYY-MM-DD');

/** The dates, completed to whole months; checked (and reported) before the choices below. */
function usageRange(now: Date) {
  return z.object({ client_id: clientIdSchema, from: day.optional(), to: day.optional() }).transform(({ client_id, from, to }, context) => {
    const today = now.toISOString().slice(0, 10);
    const range = { from: from ?? firstDayOfMonth(to ?? today), to: to ?? lastDayOfMonth(from ?? today) };
    if (range.from > range.to) {
      context.addIssue({ code: 'custom', message: 'must not be after to', path: ['from'] });
      return z.NEVER;
    }
    return { clientId: client_id.toLowerCase(), ...range };
  });
}

const usageChoices = z
  .object({
    group_by: z.enum(GROUP_BYS, { error: `must be one of ${GROUP_BYS.join(', ')}` }).default('template'),
    format: formatSchema,
  })
  .transform(({ group_by, format }) => ({ groupBy: group_by, format }));

/**
 * Validates the query string of GET /admin/v1/usage. Without dates the report covers the current
 * UTC month; with only one of them, that date's month. group_by defaults to template (what invoices
 * are based on), format to json. Unknown parameters are refused, so a typo never yields a
 * silently different report.
 */
export function parseUsageQuery(raw: Record<string, unknown>, now: Date): ParsedUsageQuery {
  // an intersection reports the range's problems before the choices'
  const schema = queryParameters(PARAMETERS).pipe(z.intersection(usageRange(now), usageChoices));
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, query: result.data } : { ok: false, error: firstProblem(result.error) };
}
