import type { UrlPolicy } from '@wabridge/webhook-security';
import { parseBindingRequest, type WebhookBindingRequest } from '../webhook-config/webhook-request';

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const bad = (error: string): { ok: false; status: 400; error: string } => ({ ok: false, status: 400, error });
const conflict = (error: string): { ok: false; status: 409; error: string } => ({ ok: false, status: 409, error });

/** Names are case-sensitive ids as 360dialog has them: printable, no surrounding blanks. */
export function checkDestinationName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'name is required (a non-empty string)';
  if (name.length > MAX_NAME_LENGTH) return `name must be at most ${MAX_NAME_LENGTH} characters`;
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name)) {
    return 'name must be printable ASCII without leading or trailing blanks';
  }
  if (name === RESERVED_NAME) return `name "${RESERVED_NAME}" is reserved for the primary webhook`;
  return null;
}

/** One `{name, url, headers?}` (plus the optional delivery options of /v1/configs/webhook). */
export function parseDestination(
  value: unknown,
  policy: UrlPolicy,
  index: number,
  defaults: DestinationDefaults = {},
): MultiWebhookParse<ExtraDestinationRequest> {
  const where = `destinations[${index}]`;
  if (!isObject(value)) return bad(`${where} must be an object with name and url`);
  const nameProblem = checkDestinationName(value.name);
  if (nameProblem) return bad(`${where}.${nameProblem}`);
  const parsed = parseBindingRequest(value, policy, defaults);
  if (!parsed.ok) return bad(`${where}: ${parsed.error}`);
  return { ok: true, value: { ...parsed.binding, name: value.name as string } };
}

function parseDestinations(list: unknown, policy: UrlPolicy, max: number, defaults: DestinationDefaults): MultiWebhookParse<ExtraDestinationRequest[]> {
  if (!Array.isArray(list)) return bad('destinations must be an array');
  const destinations: ExtraDestinationRequest[] = [];
  for (const [index, item] of list.entries()) {
    const parsed = parseDestination(item, policy, index, defaults);
    if (!parsed.ok) return parsed;
    destinations.push(parsed.value);
  }
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
  if (!isObject(body)) return bad('body must be a JSON object with enabled and destinations');
  if (typeof body.enabled !== 'boolean') return bad('enabled is required (a boolean)');
  const destinations = parseDestinations(body.destinations ?? [], policy, max, defaults);
  if (!destinations.ok) return destinations;
  if (!body.enabled && destinations.value.length > 0) return bad('destinations can only be set with enabled: true');
  return { ok: true, value: { enabled: body.enabled, destinations: destinations.value } };
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
    const one = parseDestination(body, policy, 0, defaults);
    return one.ok ? { ok: true, value: [one.value] } : one;
  }
  const destinations = parseDestinations(body.destinations, policy, max, defaults);
  if (destinations.ok && destinations.value.length === 0) return bad('destinations must not be empty');
  return destinations;
}

/** `PATCH {name, url?, headers?}`: the fields to change on one destination. */
export interface PatchRequest {
  name: string;
  changes: Record<string, unknown>;
}

const PATCHABLE = ['url', 'headers', 'on_premise_format', 'app_secret', 'ordered', 'events'] as const;

export function parsePatchRequest(body: unknown): MultiWebhookParse<PatchRequest> {
  if (!isObject(body)) return bad('body must be a JSON object with name and the fields to change');
  const nameProblem = typeof body.name === 'string' && body.name.length > 0 ? null : 'name is required (a non-empty string)';
  if (nameProblem) return bad(nameProblem);
  const changes: Record<string, unknown> = {};
  for (const field of PATCHABLE) if (body[field] !== undefined) changes[field] = body[field];
  if (Object.keys(changes).length === 0) return bad(`nothing to change: give one of ${PATCHABLE.join(', ')}`);
  return { ok: true, value: { name: body.name as string, changes } };
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
