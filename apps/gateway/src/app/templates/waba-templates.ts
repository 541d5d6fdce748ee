import { isObject, type JsonObject } from '@wabridge/util';
import { z } from 'zod';

/**
 * Conversions between Meta's template API (`/{waba_id}/message_templates`, cursor-paginated) and
 * the two shapes partners read: 360dialog's `/v1/configs/templates` list (`waba_templates` with
 * `count`, `total`, `offset`, `limit`) and Graph's `{data, paging}` on `/message_templates`.
 */

export const WABA_LIST_MAX_LIMIT = 1000;
const DEFAULT_SORT = 'business_templates.name';
/** 360dialog prefixes its filter and sort fields with the table name */
const FIELD_PREFIX = 'business_templates.';
const FILTER_FIELDS = ['id', 'name', 'language', 'status', 'category'] as const;
type FilterField = (typeof FILTER_FIELDS)[number];

export interface WabaListQuery {
  limit: number;
  offset: number;
  filters: Partial<Record<FilterField, string>>;
  sort: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const bareField = (field: string) => (field.startsWith(FIELD_PREFIX) ? field.slice(FIELD_PREFIX.length) : field);

const LIMIT_PROBLEM = `limit must be an integer from 1 to ${WABA_LIST_MAX_LIMIT}`;
const OFFSET_PROBLEM = 'offset must be a non-negative integer';
const FILTERS_PROBLEM = 'filters must be a JSON object such as {"name":"order_shipped"}';

/** A count in the query string: up to nine digits. */
const count = (problem: string) =>
  z
    .string({ error: problem })
    .regex(/^\d{1,9}$/, problem)
    .transform(Number);

/** Paging, and the `filters` JSON with its fields' table prefix dropped. */
const pagingSchema = z.object({
  limit: count(LIMIT_PROBLEM).pipe(z.number().min(1, LIMIT_PROBLEM).max(WABA_LIST_MAX_LIMIT, LIMIT_PROBLEM)).default(WABA_LIST_MAX_LIMIT),
  offset: count(OFFSET_PROBLEM).default(0),
  filters: z
    .unknown()
    .optional()
    .transform((text, context): JsonObject => {
      if (text === undefined) return {};
      let parsed: unknown;
      try {
        parsed = typeof text === 'string' ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!isObject(parsed)) {
        context.addIssue({ code: 'custom', message: FILTERS_PROBLEM });
        return z.NEVER;
      }
      return Object.fromEntries(Object.entries(parsed).map(([field, value]) => [bareField(field), value]));
    }),
});

/** The filters given, in the order given: known fields only, each a string. */
const filtersSchema = z.record(
  z.string().refine((field) => (FILTER_FIELDS as readonly string[]).includes(field), {
    error: (issue) => `filters.${String(issue.input)} is not supported (use ${FILTER_FIELDS.join(', ')})`,
  }),
  z.string({ error: 'must be a string' }),
);

const sortSchema = z
  .string({ error: 'sort must be given once' })
  .default(DEFAULT_SORT)
  .transform((text) =>
    text
      .split(',')
      .map((field) => field.trim())
      .filter(Boolean),
  )
  .superRefine((fields, context) => {
    const unsupported = fields.find((field) => !(FILTER_FIELDS as readonly string[]).includes(bareField(field.replace(/^-/, ''))));
    if (unsupported !== undefined) context.addIssue({ code: 'custom', message: `sort by ${unsupported} is not supported` });
  });

/** The partner API's text for a filter's problem: the unsupported field, or `filters.<field> must be a string`. */
function describeFilter(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  return `filters.${issue.path.map(String).join('.')} ${issue.message}`;
}

/**
 * `?limit&offset&filters={"name":"x"}&sort=business_templates.name`, and plain `?name=x` as older
 * clients send it. Unknown filter fields are refused rather than silently ignored. Checked in that
 * order: paging and the filters JSON, each filter, the sort.
 */
export function parseWabaListQuery(query: Record<string, unknown>): Parsed<WabaListQuery> {
  const paging = pagingSchema.safeParse(query);
  if (!paging.success) return { ok: false, error: paging.error.issues[0].message };
  const given: Record<string, unknown> = { ...paging.data.filters };
  for (const field of FILTER_FIELDS) if (query[field] !== undefined) given[field] = query[field];
  const filters = filtersSchema.safeParse(given);
  if (!filters.success) return { ok: false, error: describeFilter(filters.error) };
  const sort = sortSchema.safeParse(query.sort);
  if (!sort.success) return { ok: false, error: sort.error.issues[0].message };
  return { ok: true, value: { limit: paging.data.limit, offset: paging.data.offset, filters: filters.data, sort: sort.data } };
}

/**
 * A Graph template as 360dialog listed it: the same fields, `status` in lower case (360dialog's
 * legacy list has `approved`, `rejected`, ...; `category` stays upper case), the WABA's `namespace`
 * (on-premise sends carry it) and Meta's template id as `external_id`.
 */
export function toWabaTemplate(graph: JsonObject, namespace: string | null = null): JsonObject {
  return {
    ...graph,
    status: typeof graph.status === 'string' ? graph.status.toLowerCase() : graph.status,
    rejected_reason: graph.rejected_reason ?? null,
    namespace,
    external_id: graph.id ?? null,
  };
}

function fieldOf(template: JsonObject, field: FilterField): string {
  const value = template[field];
  return typeof value === 'string' ? value : '';
}

/** Filters, sorts and slices every template of the WABA into 360dialog's list answer. */
export function wabaTemplatesPage(all: JsonObject[], query: WabaListQuery, namespace: string | null = null): JsonObject {
  const matching = all
    .map((template) => toWabaTemplate(template, namespace))
    .filter((template) =>
      Object.entries(query.filters).every(([field, wanted]) => {
        const value = fieldOf(template, field as FilterField);
        // status and category are enumerations whose case differs between Meta and 360dialog
        return field === 'status' || field === 'category' ? value.toLowerCase() === wanted.toLowerCase() : value === wanted;
      }),
    );
  const sorted = [...matching].sort((left, right) => {
    for (const key of query.sort) {
      const descending = key.startsWith('-');
      const field = bareField(key.replace(/^-/, '')) as FilterField;
      const order = fieldOf(left, field).localeCompare(fieldOf(right, field));
      if (order !== 0) return descending ? -order : order;
    }
    return fieldOf(left, 'language').localeCompare(fieldOf(right, 'language'));
  });
  const page = sorted.slice(query.offset, query.offset + query.limit);
  return {
    count: page.length,
    filters: query.filters,
    limit: query.limit,
    offset: query.offset,
    sort: query.sort,
    total: matching.length,
    waba_templates: page,
  };
}

/** The query parameters of Graph's template list a partner may pass through `/message_templates`. */
const GRAPH_LIST_PARAMETERS = [
  'limit',
  'after',
  'before',
  'fields',
  'name',
  'status',
  'category',
  'language',
  'content',
  'name_or_content',
  'quality_score',
  'summary',
];

export function graphListQuery(query: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of GRAPH_LIST_PARAMETERS) {
    const value = query[name];
    if (typeof value === 'string') params.set(name, value);
  }
  return params;
}

/**
 * Graph's `paging.next`/`previous` point at graph.facebook.com with the system-user token in the
 * query; a partner following them must land on the gateway instead, and never see that token.
 * `extra` is added to each link: the caller's own `access_token` when it authenticated that way, so
 * clients that follow the links as given (Chatwoot) stay authenticated.
 */
export function rewritePaging(body: unknown, publicUrl: string, path: string, extra?: URLSearchParams): unknown {
  if (!isObject(body) || !isObject(body.paging)) return body;
  const paging: JsonObject = { ...body.paging };
  for (const link of ['next', 'previous']) {
    const value = paging[link];
    if (typeof value !== 'string') continue;
    let params: URLSearchParams;
    try {
      params = graphListQuery(Object.fromEntries(new URL(value).searchParams));
    } catch {
      delete paging[link];
      continue;
    }
    for (const [name, value] of extra ?? []) params.set(name, value);
    paging[link] = `${publicUrl}${path}?${params.toString()}`;
  }
  return { ...body, paging };
}
