import type { UrlPolicy } from '@wabridge/webhook-security';
import { isObject } from '@wabridge/util';
import { z } from 'zod';
import { bindingFields, parseBindingRequest, toBinding, type WebhookBindingRequest } from '../webhook-config/webhook-request';

/** Defaults a request may leave out: through the /onprem base path the on-premise body is the default. */
export interface DestinationDefaults {
  onPremiseFormat?: boolean;
}

/** One validated extra destination of a /multi_webhook request. */
export interface ExtraDestinationRequest extends WebhookBindingRequest {
  name: string;
}

/** What a /multi_webhook request asks for, or why it is refused (400 bad input, 409 conflict). */
export type MultiWebhookParse<T> = { ok: true; value: T } | { ok: false; status: 400 | 409; error: string };

/**
 * The router names a channel's primary destination `primary` in retries and delivery records, so an
 * extra of that name would be confused with it.
 */
const RESERVED_NAME = 'primary';
const MAX_NAME_LENGTH = 64;

const bad = (error: string): { ok: false; status: 400; error: string } => ({ ok: false, status: 400, error });
const conflict = (error: string): { ok: false; status: 409; error: string } => ({ ok: false, status: 409, error });

const NAME_REQUIRED = 'name is required (a non-empty string)';

/** Names are case-sensitive ids as 360dialog has them: printable, no surrounding blanks. */
const destinationName = z
  .string({ error: NAME_REQUIRED })
  .min(1, NAME_REQUIRED)
  .max(MAX_NAME_LENGTH, `name must be at most ${MAX_NAME_LENGTH} characters`)
  .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, 'name must be printable ASCII without leading or trailing blanks')
  .refine((name) => name !== RESERVED_NAME, `name "${RESERVED_NAME}" is reserved for the primary webhook`);

/** Why a destination name is refused, or null. */
export function checkDestinationName(name: unknown): string | null {
  const result = destinationName.safeParse(name);
  return result.success ? null : result.error.issues[0].message;
}

/** One `{name, url, headers?}` (plus the optional delivery options of /v1/configs/webhook). */
function destinationSchema(policy: UrlPolicy) {
  return z.object({ name: destinationName, ...bindingFields(policy) }, { error: 'must be an object with name and url' });
}

/** A list of destinations, each checked as above. */
function destinationsSchema(policy: UrlPolicy) {
  return z.array(destinationSchema(policy), { error: 'destinations must be an array' });
}

/**
 * The partner API's text for the first problem: a destination's problems are prefixed with where it
 * is (`destinations[1]: url is required`, `destinations[0].name is required …`); every message is
 * otherwise a whole sentence.
 */
function describe(issue: z.core.$ZodIssue, path: readonly PropertyKey[] = issue.path): string {
  const [list, index, field] = path;
  if (list !== 'destinations' || typeof index !== 'number') return issue.message;
  const where = `destinations[${index}]`;
  if (field === undefined) return `${where} ${issue.message}`;
  return field === 'name' ? `${where}.${issue.message}` : `${where}: ${issue.message}`;
}

function toDestination(value: z.output<ReturnType<typeof destinationSchema>>, defaults: DestinationDefaults): ExtraDestinationRequest {
  return { ...toBinding(value, defaults), name: value.name };
}

/** The conflicts of a valid list (409): a repeated name, more destinations than the cap. */
function checkConflicts(destinations: ExtraDestinationRequest[], max: number): MultiWebhookParse<ExtraDestinationRequest[]> {
  const seen = new Set<string>();
  for (const destination of destinations) {
    if (seen.has(destination.name)) return conflict(`destination name "${destination.name}" appears more than once`);
    seen.add(destination.name);
  }
  if (destinations.length > max) return conflict(`at most ${max} destinations are allowed per number (per partner slot)`);
  return { ok: true, value: destinations };
}

/** `POST {enabled, destinations?}`: the whole set. Destinations only make sense while enabled. */
export function parseReplaceRequest(
  body: unknown,
  policy: UrlPolicy,
  max: number,
  defaults: DestinationDefaults = {},
): MultiWebhookParse<{ enabled: boolean; destinations: ExtraDestinationRequest[] }> {
  const schema = z.object(
    {
      enabled: z.boolean({ error: 'enabled is required (a boolean)' }),
      destinations: destinationsSchema(policy)
        .nullish()
        .transform((list) => list ?? []),
    },
    { error: 'body must be a JSON object with enabled and destinations' },
  );
  const result = schema.safeParse(body);
  if (!result.success) return bad(describe(result.error.issues[0]));
  const { enabled } = result.data;
  const destinations = checkConflicts(
    result.data.destinations.map((destination) => toDestination(destination, defaults)),
    max,
  );
  if (!destinations.ok) return destinations;
  if (!enabled && destinations.value.length > 0) return bad('destinations can only be set with enabled: true');
  return { ok: true, value: { enabled, destinations: destinations.value } };
}

/** `PUT {destinations}` (or one bare destination): what to append. */
export function parseAppendRequest(
  body: unknown,
  policy: UrlPolicy,
  max: number,
  defaults: DestinationDefaults = {},
): MultiWebhookParse<ExtraDestinationRequest[]> {
  if (!isObject(body)) return bad('body must be a JSON object with destinations');
  if (body.destinations === undefined && 'name' in body) {
    const one = destinationSchema(policy).safeParse(body);
    if (!one.success) return bad(describe(one.error.issues[0], ['destinations', 0, ...one.error.issues[0].path]));
    return { ok: true, value: [toDestination(one.data, defaults)] };
  }
  const list = destinationsSchema(policy).safeParse(body.destinations);
  if (!list.success) return bad(describe(list.error.issues[0], ['destinations', ...list.error.issues[0].path]));
  const destinations = checkConflicts(
    list.data.map((destination) => toDestination(destination, defaults)),
    max,
  );
  if (destinations.ok && destinations.value.length === 0) return bad('destinations must not be empty');
  return destinations;
}

/** `PATCH {name, url?, headers?}`: the fields to change on one destination. */
export interface PatchRequest {
  name: string;
  changes: Record<string, unknown>;
}

const PATCHABLE = ['url', 'headers', 'on_premise_format', 'app_secret', 'ordered', 'events'] as const;

const patchSchema = z
  .object(
    {
      name: z.string({ error: NAME_REQUIRED }).min(1, NAME_REQUIRED),
      ...Object.fromEntries(PATCHABLE.map((field) => [field, z.unknown().optional()])),
    },
    { error: 'body must be a JSON object with name and the fields to change' },
  )
  .transform(({ name, ...fields }, context) => {
    const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    if (Object.keys(changes).length === 0) {
      context.addIssue({ code: 'custom', message: `nothing to change: give one of ${PATCHABLE.join(', ')}` });
      return z.NEVER;
    }
    return { name, changes };
  });

export function parsePatchRequest(body: unknown): MultiWebhookParse<PatchRequest> {
  const result = patchSchema.safeParse(body);
  return result.success ? { ok: true, value: result.data } : bad(result.error.issues[0].message);
}

/** `PATCH /multi_webhook/{name}`: the fields to change, the name coming from the path. */
export const namedPatchBody = z.record(z.string(), z.unknown(), { error: 'body must be a JSON object with the fields to change' });
/** `?name=` of a secret rotation. */
export const rotateNameQuery = z.string({ error: 'name is required, given once' });
/** `?name=` of a delete: one destination, or (absent) all of them. */
export const removeNameQuery = z.string({ error: 'name must be given once' }).optional();

/** A body or query of /multi_webhook checked by one of the schemas above, or why not. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): MultiWebhookParse<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : bad(result.error.issues[0].message);
}

/** The stored destination with a PATCH applied, validated like a new one. */
export function applyPatch(
  current: {
    name: string;
    url: string;
    headers: Record<string, string>;
    on_premise_format: boolean;
    app_secret: string | null;
    ordered: boolean;
    events: string[] | null;
  },
  changes: Record<string, unknown>,
  policy: UrlPolicy,
): MultiWebhookParse<ExtraDestinationRequest> {
  const merged = { ...current, ...changes };
  const parsed = parseBindingRequest(merged, policy);
  if (!parsed.ok) return bad(parsed.error);
  return { ok: true, value: { ...parsed.binding, name: current.name } };
}
