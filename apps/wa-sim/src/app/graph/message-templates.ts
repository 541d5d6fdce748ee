import { randomInt } from 'node:crypto';
import { isObject, type JsonObject } from '@wabridge/util';
import { metaError, type MetaErrorBody } from './meta-payloads';

/**
 * The simulated WABA template store's rules, as Meta applies them to
 * `/{waba_id}/message_templates`. Pure apart from random ids.
 */

export interface StoredTemplate {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  parameter_format: string;
  components: unknown[];
}

export type TemplateCheck = { ok: true; template: Omit<StoredTemplate, 'id' | 'status'> } | { ok: false; status: number; body: MetaErrorBody };

const CATEGORIES = new Set(['AUTHENTICATION', 'MARKETING', 'UTILITY']);
const NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Za-z]{2,4})?$/;

const invalid = (message: string): TemplateCheck => ({ ok: false, status: 400, body: metaError(100, `(#100) ${message}`) });

/** Validates a template creation body like Meta does, for the fields partners send. */
export function checkNewTemplate(body: unknown): TemplateCheck {
  if (!isObject(body)) return invalid('The request body must be a JSON object');
  if (typeof body.name !== 'string' || !NAME.test(body.name)) {
    return invalid('Param name must be lowercase letters, digits and underscores, at most 512 characters');
  }
  if (typeof body.category !== 'string' || !CATEGORIES.has(body.category.toUpperCase())) {
    return invalid('Param category must be one of {AUTHENTICATION, MARKETING, UTILITY}');
  }
  if (typeof body.language !== 'string' || !LANGUAGE.test(body.language)) return invalid('Param language must be a language code such as en_US');
  if (!Array.isArray(body.components) || body.components.length === 0) return invalid('The parameter components is required.');
  return {
    ok: true,
    template: {
      name: body.name,
      language: body.language,
      category: body.category.toUpperCase(),
      parameter_format: typeof body.parameter_format === 'string' ? body.parameter_format.toUpperCase() : 'POSITIONAL',
      components: body.components,
    },
  };
}

export function newTemplateId(): string {
  return `${randomInt(100000, 1000000)}${randomInt(0, 1000000000).toString().padStart(9, '0')}`;
}

export const duplicateTemplateError = (): MetaErrorBody => ({
  error: { ...metaError(100, '(#100) Invalid parameter: content in this language already exists').error, error_subcode: 2388024 },
});

export const templateNotFoundError = (name: string): MetaErrorBody => ({
  error: { ...metaError(100, `(#100) Message template "${name}" was not found`).error, error_subcode: 2593002 },
});

export interface ListQuery {
  limit: number;
  after?: string;
  name?: string;
  status?: string;
  category?: string;
  language?: string;
  summary: boolean;
}

const cursorOf = (index: number) => Buffer.from(`i:${index}`).toString('base64url');

export function indexOf(cursor: string): number | null {
  const match = /^i:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}

/**
 * One page of Graph's cursor-paginated `{data, paging, summary?}`. `nextUrl` builds the `paging.next`
 * link for a cursor (Meta's links point at graph.facebook.com; ours at wherever the simulator was called).
 */
export function listPage(templates: StoredTemplate[], query: ListQuery, nextUrl: (after: string) => string): JsonObject | null {
  const matching = templates.filter(
    (template) =>
      (query.name === undefined || template.name.includes(query.name.toLowerCase())) &&
      (query.status === undefined || template.status === query.status.toUpperCase()) &&
      (query.category === undefined || template.category === query.category.toUpperCase()) &&
      (query.language === undefined || template.language === query.language),
  );
  let start = 0;
  if (query.after !== undefined) {
    const index = indexOf(query.after);
    if (index === null) return null;
    start = index + 1;
  }
  const data = matching.slice(start, start + query.limit);
  const page: JsonObject = { data };
  if (data.length > 0) {
    const last = start + data.length - 1;
    page.paging = {
      cursors: { before: cursorOf(start), after: cursorOf(last) },
      ...(last + 1 < matching.length ? { next: nextUrl(cursorOf(last)) } : {}),
    };
  }
  if (query.summary) page.summary = { total_count: matching.length, message_template_count: templates.length, message_template_limit: 250 };
  return page;
}
