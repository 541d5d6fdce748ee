// Over 300 lines on purpose: the OpenAPI schemas and decorators every controller shares, one table so the published document reads as one.
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { EVENT_FILTER_VALUES } from '@wabridge/contracts';

/**
 * OpenAPI building blocks for the partner and operator APIs. The controllers take `unknown` bodies
 * and validate them by hand (so every bad input gets our own defined answer), so the schemas are
 * written out here rather than inferred from DTO classes.
 */

export const SECURITY = { partnerKey: 'D360-API-KEY', partnerBearer: 'PartnerBearer', admin: 'AdminToken' } as const;

export const TAGS = {
  messages: 'Messages',
  webhook: 'Webhook',
  multiWebhook: 'Multi webhook',
  templates: 'Templates',
  media: 'Media',
  health: 'Health',
  graph: 'Graph facade',
  legacy: 'On-premise API',
  operator: 'Operator',
  selfService: 'Self-service',
} as const;

const object = (properties: Record<string, SchemaObject>, required: string[] = [], extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...extra,
});
const string = (description?: string, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'string',
  ...(description ? { description } : {}),
  ...extra,
});
const headersMap: SchemaObject = { type: 'object', additionalProperties: { type: 'string' }, description: 'custom headers sent with every delivery' };
const eventFilter: SchemaObject = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', enum: [...EVENT_FILTER_VALUES] },
  description:
    'which changes this destination receives: Meta change fields, or inside `messages` only `messages.inbound` and/or `messages.statuses`. ' +
    'Absent: everything (a rebinding without it receives everything again). Unknown values answer 400 listing the allowed ones.',
};

/** The reusable schemas, by their name in `components.schemas`. */
export const SchemaDefinitions = {
  apiError: object({ error: string() }, ['error']),
  metaError: object(
    {
      error: object(
        {
          message: string(),
          type: string(undefined, { example: 'OAuthException' }),
          code: { type: 'integer', example: 100 },
          error_subcode: { type: 'integer' },
          error_data: object({ messaging_product: string(), details: string() }),
          is_transient: { type: 'boolean' },
          fbtrace_id: string(),
        },
        ['message', 'type', 'code', 'fbtrace_id'],
      ),
    },
    ['error'],
  ),
  cloudMessage: object(
    {
      messaging_product: string(undefined, { enum: ['whatsapp'] }),
      recipient_type: string(undefined, { example: 'individual' }),
      to: string('recipient phone number', { example: '4915123456789' }),
      type: string(undefined, { example: 'template' }),
      status: string('`read` for mark-as-read, with message_id', { enum: ['read'] }),
      message_id: string(),
    },
    [],
    { additionalProperties: true, description: "Meta's Cloud API message object, forwarded byte for byte" },
  ),
  onPremiseMessage: object({ to: string(), type: string() }, [], {
    additionalProperties: true,
    description: 'on-premise message object; `messaging_product` is added and template `namespace` dropped',
  }),
  cloudSendResponse: object({
    messaging_product: string(),
    contacts: { type: 'array', items: object({ input: string(), wa_id: string() }) },
    messages: { type: 'array', items: object({ id: string(), message_status: string() }) },
  }),
  onPremiseSendResponse: object({
    messages: { type: 'array', items: object({ id: string() }) },
    contacts: { type: 'array', items: object({ input: string(), wa_id: string() }) },
    meta: object({ api_status: string(undefined, { example: 'stable' }), version: string() }),
  }),
  webhookBinding: object(
    {
      url: string('https URL (http only where the operator allows it)', { format: 'uri' }),
      headers: headersMap,
      on_premise_format: { type: 'boolean', description: 'deliver the on-premise body shape' },
      app_secret: string('re-sign deliveries with X-Hub-Signature-256 using this Meta app secret'),
      ordered: { type: 'boolean', description: "deliver this channel's events in order" },
      events: eventFilter,
    },
    ['url'],
  ),
  webhookBindingAnswer: object({ url: string(), headers: headersMap, events: eventFilter, signing_secret: string('Standard Webhooks secret (whsec_...)') }, [
    'url',
    'headers',
  ]),
  extraDestination: object(
    { name: string('case-sensitive id, unique per number'), url: string(undefined, { format: 'uri' }), headers: headersMap, events: eventFilter },
    ['name', 'url'],
  ),
  multiWebhookState: object(
    {
      enabled: { type: 'boolean' },
      destinations: {
        type: 'array',
        items: object({
          name: string(),
          url: string(),
          headers: headersMap,
          events: eventFilter,
          disabled_at: string('set after a 410 Gone', { format: 'date-time' }),
        }),
      },
    },
    ['enabled', 'destinations'],
  ),
  multiWebhookChange: object(
    {
      message: string(),
      enabled: { type: 'boolean' },
      destinations: {
        type: 'array',
        items: object({
          name: string(),
          url: string(),
          headers: headersMap,
          events: eventFilter,
          signing_secret: string('only on destinations this call created'),
        }),
      },
    },
    ['message', 'enabled', 'destinations'],
  ),
  multiWebhookError: object({ error: string(), message: string() }, ['error', 'message']),
  rotatedSecret: object(
    {
      signing_secret: string('the new Standard Webhooks secret (whsec_...)'),
      previous_secret_expires_at: string('until then deliveries carry a second signature made with the previous secret', { format: 'date-time' }),
    },
    ['signing_secret', 'previous_secret_expires_at'],
  ),
  extraRotatedSecret: object(
    {
      name: string('the destination whose secret was rotated'),
      signing_secret: string('the new Standard Webhooks secret (whsec_...)'),
      previous_secret_expires_at: string('until then deliveries carry a second signature made with the previous secret', { format: 'date-time' }),
    },
    ['name', 'signing_secret', 'previous_secret_expires_at'],
  ),
  webhookTestAnswer: object(
    {
      webhook_id: string("the sample's `webhook-id` (`evt_test_…`)"),
      status_code: { type: 'integer', nullable: true, description: "the endpoint's HTTP status; null when it did not answer" },
      latency_ms: { type: 'integer' },
      error_class: string('null on a 2xx; else why a delivery would fail', {
        nullable: true,
        enum: ['timeout', 'network', 'unsafe_destination', 'redirect', 'http_status', null],
      }),
    },
    ['webhook_id', 'status_code', 'latency_ms', 'error_class'],
  ),
  partnerDeliveries: object(
    {
      data: {
        type: 'array',
        items: object({
          event_id: string('the `webhook-id` of the event'),
          destination: string('`primary` or a /multi_webhook name'),
          state: string(undefined, { enum: ['retry_scheduled', 'dead', 'disabled', 'delivered', 'replayed'] }),
          attempts: { type: 'integer' },
          last_status_code: { type: 'integer', nullable: true },
          error_class: string('why the last attempt failed', { nullable: true }),
          latency_ms: { type: 'integer', nullable: true },
          next_attempt_at: string(undefined, { format: 'date-time', nullable: true }),
          received_at: string(undefined, { format: 'date-time' }),
          updated_at: string(undefined, { format: 'date-time' }),
        }),
      },
      next_cursor: string('pass as `cursor` for the next page; null on the last', { nullable: true }),
    },
    ['data', 'next_cursor'],
  ),
  webhookStats: object(
    {
      since: string(undefined, { format: 'date-time' }),
      until: string(undefined, { format: 'date-time' }),
      destinations: {
        type: 'array',
        items: object({
          destination: string('`primary` or a /multi_webhook name'),
          bound: { type: 'boolean', description: 'bound now; an unbound slot keeps its stats for their 24 h' },
          attempts: { type: 'integer', description: 'delivery attempts made, retries included (not the events a breaker held back)' },
          delivered: { type: 'integer', description: 'answered with a 2xx' },
          success_ratio: { type: 'number', nullable: true },
          latency_ms: object({ p50: { type: 'integer' }, p99: { type: 'integer' } }, ['p50', 'p99'], { nullable: true }),
          last_error_class: string(undefined, { nullable: true }),
          last_error_at: string(undefined, { format: 'date-time', nullable: true }),
          breaker_state: string('as of the last attempt', { enum: ['closed', 'open', 'half_open'] }),
        }),
      },
    },
    ['since', 'until', 'destinations'],
  ),
  recoverRequest: object(
    {
      since: string('events received at or after (ISO 8601, not in the future)', { format: 'date-time' }),
      until: string('events received before (ISO 8601); default and at most now', { format: 'date-time' }),
      destination: string('only this slot (`primary` or a /multi_webhook name); default every bound slot'),
    },
    ['since'],
  ),
  recoverAnswer: object(
    {
      queued: { type: 'integer', description: 'events queued again, one per event and destination' },
      since: string(undefined, { format: 'date-time' }),
      until: string(undefined, { format: 'date-time' }),
      destination: string(undefined, { nullable: true }),
    },
    ['queued', 'since', 'until', 'destination'],
  ),
  templateCreate: object(
    {
      name: string(undefined, { pattern: '^[a-z0-9_]{1,512}$' }),
      category: string(undefined, { enum: ['AUTHENTICATION', 'MARKETING', 'UTILITY'] }),
      language: string(undefined, { example: 'en_US' }),
      components: { type: 'array', items: { type: 'object', additionalProperties: true } },
      allow_category_change: { type: 'boolean' },
    },
    ['name', 'category', 'language', 'components'],
  ),
  wabaTemplates: object(
    {
      count: { type: 'integer' },
      filters: { type: 'object', additionalProperties: { type: 'string' } },
      limit: { type: 'integer' },
      offset: { type: 'integer' },
      sort: { type: 'array', items: string() },
      total: { type: 'integer' },
      waba_templates: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
    ['count', 'limit', 'offset', 'total', 'waba_templates'],
  ),
  graphTemplates: object(
    {
      data: { type: 'array', items: { type: 'object', additionalProperties: true } },
      paging: object({ cursors: object({ before: string(), after: string() }), next: string('points at the gateway') }),
      summary: object({ total_count: { type: 'integer' } }),
    },
    ['data'],
  ),
  mediaUpload: object(
    {
      messaging_product: string(undefined, { enum: ['whatsapp'] }),
      type: string('MIME type', { example: 'image/jpeg' }),
      file: { type: 'string', format: 'binary' },
    },
    ['messaging_product', 'file'],
  ),
  mediaId: object({ id: string() }, ['id']),
  mediaMetadata: object({
    messaging_product: string(),
    url: string('on the gateway: `{PUBLIC_URL}/whatsapp_business/attachments/?mid=...`'),
    mime_type: string(),
    sha256: string(),
    file_size: { type: 'integer' },
    id: string(),
  }),
  success: object({ success: { type: 'boolean' } }),
  healthStatus: object({
    health_status: object({ can_send_message: string(), entities: { type: 'array', items: { type: 'object', additionalProperties: true } } }),
  }),
  client: object({ id: string(undefined, { format: 'uuid' }), name: string(), created_at: string(undefined, { format: 'date-time' }) }),
  channel: object({
    id: string(undefined, { format: 'uuid' }),
    client_id: string(undefined, { format: 'uuid' }),
    phone_number_id: string(),
    waba_id: string(),
    display_phone_number: string(),
    created_at: string(undefined, { format: 'date-time' }),
  }),
} satisfies Record<string, SchemaObject>;

type SchemaName = keyof typeof SchemaDefinitions;

/** `$ref`s to the reusable schemas, for the decorators. */
export const Schemas = Object.fromEntries(
  Object.keys(SchemaDefinitions).map((name) => [name, { $ref: `#/components/schemas/${componentName(name)}` }]),
) as Record<SchemaName, { $ref: string }>;

/** `metaError` → `MetaError`, the usual style of component names. */
export function componentName(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export const channelStatusSchema: SchemaObject = {
  allOf: [
    Schemas.channel,
    object({
      partner_slots: { type: 'integer', minimum: 1 },
      bound: { type: 'boolean' },
      webhook_host: string(undefined, { nullable: true }),
      webhook_disabled_at: string(undefined, { nullable: true }),
      slots: {
        type: 'array',
        description: 'the partner slots in use: whether a key is issued (never the key) and the primary webhook host',
        items: object({
          slot: { type: 'string' },
          key_issued_at: string(undefined, { nullable: true, format: 'date-time' }),
          bound: { type: 'boolean' },
          webhook_host: string(undefined, { nullable: true }),
          webhook_disabled_at: string(undefined, { nullable: true }),
          extra_destinations: { type: 'integer' },
        }),
      },
    }),
  ],
};

export const rateLimited = {
  description: "over the channel's throughput tier (`SEND_RATE_LIMIT_PER_S`): Meta's 130429 error; `Retry-After` says when to retry",
};

const unauthorized = ApiResponse({ status: 401, description: 'missing, unknown or revoked key', schema: Schemas.apiError });

/** A partner path authenticated by `D360-API-KEY`. */
export const PartnerApi = (tag: string) => applyDecorators(ApiTags(tag), ApiSecurity(SECURITY.partnerKey), unauthorized);

/** A Graph-style path: the key as `D360-API-KEY` or as `Authorization: Bearer`. */
export const GraphStyleApi = (tag: string) =>
  applyDecorators(ApiTags(tag), ApiSecurity(SECURITY.partnerKey), ApiBearerAuth(SECURITY.partnerBearer), unauthorized);

/** The answers of a path proxied to the Graph API: Meta's own errors, or 502/504 when it could not be asked. */
export const GraphErrors = () =>
  applyDecorators(
    ApiResponse({ status: 400, description: "invalid input (ours or Meta's, relayed unchanged)", schema: Schemas.metaError }),
    ApiResponse({ status: 502, description: 'the Graph API could not be reached', schema: Schemas.metaError }),
    ApiResponse({ status: 504, description: 'the Graph API did not answer in time', schema: Schemas.metaError }),
  );

/** The operator API, behind `Authorization: Bearer <ADMIN_TOKEN>`. */
export const OperatorApi = () =>
  applyDecorators(
    ApiTags(TAGS.operator),
    ApiBearerAuth(SECURITY.admin),
    ApiResponse({ status: 401, description: 'missing or wrong operator token', schema: Schemas.apiError }),
  );
