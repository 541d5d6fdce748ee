import { parseEventFilter } from '@wabridge/contracts';
import { checkCustomHeaders, parseWebhookUrl, UnsafeUrlError, type UrlPolicy } from '@wabridge/webhook-security';
import { z } from 'zod';

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

/** A check of @wabridge/webhook-security or contracts as a zod refinement: its sentence is the issue. */
function problem(context: z.RefinementCtx, message: string): typeof z.NEVER {
  context.addIssue({ code: 'custom', message });
  return z.NEVER;
}

const flag = (name: string) => z.boolean({ error: `${name} must be a boolean` }).optional();
const appSecretProblem = 'app_secret must be a string of 1 to 256 characters';

/**
 * The fields of a binding, in the order they are checked: URL scheme, credentials and literal
 * addresses, custom headers, the optional delivery options, the events filter. Every message is a
 * whole sentence naming its field (the partner API's error text). Also the fields of a /multi_webhook
 * destination.
 */
export function bindingFields(policy: UrlPolicy) {
  return {
    url: z
      .unknown()
      .optional()
      .transform((raw, context) => {
        try {
          return { url: raw as string, hostname: parseWebhookUrl(raw, policy).hostname };
        } catch (error) {
          if (error instanceof UnsafeUrlError) return problem(context, error.message);
          throw error;
        }
      }),
    headers: z
      .unknown()
      .optional()
      .transform((headers, context) => {
        const headerProblem = checkCustomHeaders(headers);
        return headerProblem ? problem(context, headerProblem) : ((headers ?? {}) as Record<string, string>);
      }),
    on_premise_format: flag('on_premise_format'),
    ordered: flag('ordered'),
    app_secret: z.string({ error: appSecretProblem }).min(1, appSecretProblem).max(256, appSecretProblem).nullish(),
    events: z
      .unknown()
      .optional()
      .transform((value, context) => {
        const events = parseEventFilter(value);
        return events.ok ? events.events : problem(context, events.error);
      }),
  };
}

type BindingFields = z.output<z.ZodObject<ReturnType<typeof bindingFields>>>;

/** The validated fields as a binding; an explicit on_premise_format wins over the default of the path it came through. */
export function toBinding(fields: BindingFields, defaults: { onPremiseFormat?: boolean } = {}): WebhookBindingRequest {
  return {
    url: fields.url.url,
    hostname: fields.url.hostname,
    headers: fields.headers,
    onPremiseFormat: fields.on_premise_format ?? defaults.onPremiseFormat ?? false,
    appSecret: fields.app_secret ?? null,
    ordered: fields.ordered === true,
    events: fields.events,
  };
}

const schemas = new WeakMap<UrlPolicy, z.ZodType<BindingFields>>();

function bindingSchema(policy: UrlPolicy): z.ZodType<BindingFields> {
  let schema = schemas.get(policy);
  if (!schema) {
    schema = z.object(bindingFields(policy), { error: 'body must be a JSON object with url' });
    schemas.set(policy, schema);
  }
  return schema;
}

/**
 * The static checks of POST /v1/configs/webhook (see bindingFields). DNS is checked afterwards by the
 * caller. `defaults.onPremiseFormat` applies when the body does not say (true through the `/onprem` base).
 */
export function parseBindingRequest(body: unknown, policy: UrlPolicy, defaults: { onPremiseFormat?: boolean } = {}): ParsedBinding {
  const result = bindingSchema(policy).safeParse(body);
  return result.success ? { ok: true, binding: toBinding(result.data, defaults) } : { ok: false, error: result.error.issues[0].message };
}
