import { parseEventFilter } from '@wabridge/contracts';
import { checkCustomHeaders, parseWebhookUrl, UnsafeUrlError, type UrlPolicy } from '@wabridge/webhook-security';

/** A partner's validated request to bind its webhook. */
export interface WebhookBindingRequest {
  /** as given by the partner, echoed back unchanged */
  url: string;
  hostname: string;
  headers: Record<string, string>;
  /** optional per-binding delivery options (docs/delivery.md) */
  onPremiseFormat: boolean;
  appSecret: string | null;
  ordered: boolean;
  /** the changes it receives; null = everything (also what a rebinding without `events` sets) */
  events: string[] | null;
}

export type ParsedBinding = { ok: true; binding: WebhookBindingRequest } | { ok: false; error: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The static checks of POST /v1/configs/webhook: URL scheme, credentials and literal addresses,
 * custom headers and the optional delivery options. DNS is checked afterwards by the caller.
 * `defaults.onPremiseFormat` applies when the body does not say (true through the `/onprem` base).
 */
export function parseBindingRequest(body: unknown, policy: UrlPolicy, defaults: { onPremiseFormat?: boolean } = {}): ParsedBinding {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object with url' };
  let url: URL;
  try {
    url = parseWebhookUrl(body.url, policy);
  } catch (error) {
    if (error instanceof UnsafeUrlError) return { ok: false, error: error.message };
    throw error;
  }
  const headerProblem = checkCustomHeaders(body.headers);
  if (headerProblem) return { ok: false, error: headerProblem };
  for (const flag of ['on_premise_format', 'ordered']) {
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean') return { ok: false, error: `${flag} must be a boolean` };
  }
  const appSecret = body.app_secret;
  if (appSecret !== undefined && appSecret !== null && (typeof appSecret !== 'string' || appSecret.length === 0 || appSecret.length > 256)) {
    return { ok: false, error: 'app_secret must be a string of 1 to 256 characters' };
  }
  const events = parseEventFilter(body.events);
  if (!events.ok) return { ok: false, error: events.error };
  return {
    ok: true,
    binding: {
      url: body.url as string,
      hostname: url.hostname,
      headers: (body.headers ?? {}) as Record<string, string>,
      // an explicit flag wins over the default of the path the binding came through
      onPremiseFormat: typeof body.on_premise_format === 'boolean' ? body.on_premise_format : (defaults.onPremiseFormat ?? false),
      appSecret: typeof appSecret === 'string' ? appSecret : null,
      ordered: body.ordered === true,
      events: events.events,
    },
  };
}
