// Over 300 lines on purpose: the AsyncAPI document as one declarative object, in the order of the YAML it generates.
import { stringify } from 'yaml';
import { DeadLetterHeaders, deliveryAttemptEventSchema } from './delivery-event';
import { metaWebhookEnvelopeSchema } from './meta-webhook';
import { outboundEventSchema } from './outbound-event';
import { QuarantineHeaders, RetryHeaders, Topics, WebhookHeaders } from './topics';

/**
 * The AsyncAPI 3 document of wabridge's Kafka topics, built from this library's topic names, header
 * names and JSON Schemas so it cannot drift from what the services produce. docs/asyncapi.yaml is
 * its rendering (tools/asyncapi/export.ts); the gateway serves the same document at /docs/asyncapi.yaml.
 */

type Schema = Record<string, unknown>;

const KAFKA_BINDING_VERSION = '0.5.0';
const DAY_MS = 24 * 60 * 60 * 1000;
const BROKER_DEFAULT_RETENTION = "The broker's default retention (`log.retention.hours`, 7 days unless the operator changes it); wabridge sets none.";

const string = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const rfc3339 = (description: string): Schema => string(description, { format: 'date-time' });

/** A record-headers schema: every header is a UTF-8 string. */
function headers(properties: Record<string, Schema>, required: string[]): Schema {
  return { type: 'object', required, properties };
}

const traceparent = string(
  "W3C trace context (`00-<trace-id>-<span-id>-<flags>`): the producer's span when tracing is on, otherwise the one Meta's request carried, if any",
  { pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
);

const webhookHeaderSchema = headers(
  {
    [WebhookHeaders.eventId]: string(
      "unique and stable (`evt_` + a hash of the WABA id and the change's bytes): Meta re-sending a change yields the same id. Consumers dedupe on it; it is the `webhook-id` partners see.",
      { pattern: '^evt_' },
    ),
    [WebhookHeaders.receivedAt]: rfc3339('when ingress accepted the request (UTC)'),
    [WebhookHeaders.phoneNumberId]: string("the business number's id; absent for account-level changes"),
    [WebhookHeaders.wabaId]: string('the WhatsApp Business Account id (`entry[].id`)'),
    [WebhookHeaders.field]: string("the change's `field` (`messages`, `message_template_status_update`, …)"),
    [WebhookHeaders.contentType]: string('always `application/json`', { const: 'application/json' }),
    [WebhookHeaders.traceparent]: traceparent,
  },
  [WebhookHeaders.eventId, WebhookHeaders.receivedAt, WebhookHeaders.wabaId, WebhookHeaders.field, WebhookHeaders.contentType],
);

const phoneNumberKey = (description: string): Schema => ({ type: 'string', description });

const webhookKey = phoneNumberKey('`phone_number_id`, or `waba:<WABA id>` for account-level changes that have none');

const deadHeaderSchema = headers(
  {
    [DeadLetterHeaders.eventId]: string('the event-id of the original record; replaying keeps it, so partners dedupe'),
    [DeadLetterHeaders.receivedAt]: rfc3339('when ingress accepted the original request'),
    [DeadLetterHeaders.phoneNumberId]: string("the business number's id"),
    [DeadLetterHeaders.destination]: string(
      "the destination: `primary` or an extra destination's name, prefixed `<partner slot>›` outside partner slot `1` (docs/delivery.md)",
    ),
    [DeadLetterHeaders.attempts]: string('how many attempts were made (decimal)'),
    [DeadLetterHeaders.lastError]: string("the last attempt's error class or HTTP status"),
    [DeadLetterHeaders.deadAt]: rfc3339('when the retry window ended'),
    [DeadLetterHeaders.channelId]: string(
      "the channel the event was delivered for, when the router knew it; replay by channel and a partner's recover select by it",
      { format: 'uuid' },
    ),
    [WebhookHeaders.traceparent]: traceparent,
  },
  [DeadLetterHeaders.eventId, DeadLetterHeaders.destination, DeadLetterHeaders.deadAt],
);

const quarantineHeaderSchema = headers(
  {
    [QuarantineHeaders.reason]: string('why the bytes could not be used'),
    [QuarantineHeaders.receivedAt]: rfc3339('when they were received'),
    [QuarantineHeaders.source]: string('the service that quarantined them', { enum: ['ingress', 'router', 'metering'] }),
  },
  [QuarantineHeaders.reason, QuarantineHeaders.source],
);

const retryHeaderSchema = headers(
  {
    ...(webhookHeaderSchema.properties as Record<string, Schema>),
    [RetryHeaders.destination]: string('the destination the next attempt is for (`primary` or a name, prefixed `<partner slot>›` outside slot `1`)'),
    [RetryHeaders.attempt]: string('the number of the attempt this record asks for (≥ 2)'),
    [RetryHeaders.dueAt]: rfc3339('not to be attempted before'),
    [RetryHeaders.reason]: string('the error class of the previous attempt'),
    [RetryHeaders.sourceOffset]: string('offset of the record this one was written for'),
    [RetryHeaders.orderedSeq]: string("parking lane only: the event's place in its channel/slot pair"),
  },
  [RetryHeaders.eventId, RetryHeaders.attempt, RetryHeaders.dueAt],
);

interface TopicEntry {
  /** the key of the channel, message and component names */
  id: string;
  address: string;
  title: string;
  description: string;
  message: {
    name: string;
    title: string;
    contentType: string;
    payload: Schema;
    headers: Schema;
    key: Schema | null;
  };
  producers: string[];
  consumers: string[];
  retention: string;
  /** topic configs the services set when they create the topic */
  topicConfiguration?: Record<string, unknown>;
}

const retryRetention = `At least 7 days, and at least RETRY_WINDOW + 1 day (\`retention.ms\`, set by the router when it creates the topic), so a record outlives its own delay.`;

const TOPICS: TopicEntry[] = [
  {
    id: 'webhooks',
    address: Topics.webhooks,
    title: 'Meta webhook changes',
    description:
      "One Meta Cloud API change per record. When Meta's request held exactly one change the value is the exact bytes Meta sent; otherwise an envelope rebuilt around one change. Consumers dedupe on the `event-id` header (Meta and Kafka both deliver at least once).",
    message: {
      name: 'MetaWebhookChange',
      title: 'A Meta Cloud API webhook envelope with exactly one change',
      contentType: 'application/json',
      payload: metaWebhookEnvelopeSchema,
      headers: webhookHeaderSchema,
      key: webhookKey,
    },
    producers: ['ingress'],
    consumers: ['router', 'metering', 'internal teams'],
    retention: BROKER_DEFAULT_RETENTION,
  },
  {
    id: 'outbound',
    address: Topics.outbound,
    title: 'Accepted sends',
    description: 'One record per send Meta accepted through the gateway. Never the recipient, never the content.',
    message: {
      name: 'OutboundSend',
      title: 'An accepted partner send',
      contentType: 'application/json',
      payload: outboundEventSchema,
      headers: headers(
        { [WebhookHeaders.contentType]: string('always `application/json`', { const: 'application/json' }), [WebhookHeaders.traceparent]: traceparent },
        [WebhookHeaders.contentType],
      ),
      key: phoneNumberKey('`phone_number_id` of the sending number'),
    },
    producers: ['gateway'],
    consumers: ['metering', 'internal teams'],
    retention: BROKER_DEFAULT_RETENTION,
  },
  {
    id: 'deliveries',
    address: Topics.deliveries,
    title: 'Delivery attempts',
    description: 'One record per delivery attempt to a partner destination, with its outcome.',
    message: {
      name: 'DeliveryAttempt',
      title: 'One delivery attempt outcome',
      contentType: 'application/json',
      payload: deliveryAttemptEventSchema,
      headers: headers({}, []),
      key: phoneNumberKey('`phone_number_id` of the event'),
    },
    producers: ['router'],
    consumers: ['internal teams'],
    retention: BROKER_DEFAULT_RETENTION,
  },
  {
    id: 'dead',
    address: Topics.dead,
    title: 'Dead letters',
    description:
      "Events whose retry window ended: the original envelope byte for byte, metadata in headers. Replaying means re-publishing the value on whatsapp.webhooks.v1 with its `event-id` (the gateway's operator API does this).",
    message: {
      name: 'DeadLetter',
      title: 'The original envelope of an event whose retry window ended',
      contentType: 'application/json',
      payload: metaWebhookEnvelopeSchema,
      headers: deadHeaderSchema,
      key: phoneNumberKey('`phone_number_id` of the event'),
    },
    producers: ['router'],
    consumers: ['operator tooling'],
    retention: BROKER_DEFAULT_RETENTION,
  },
  {
    id: 'quarantine',
    address: Topics.quarantine,
    title: 'Quarantine',
    description: 'Authentic (signature-valid) requests or records that could not be parsed or routed, byte for byte.',
    message: {
      name: 'QuarantinedBytes',
      title: 'Bytes as received',
      contentType: 'application/octet-stream',
      payload: { type: 'string', format: 'binary', description: 'the bytes as received, unparsed' },
      headers: quarantineHeaderSchema,
      key: null,
    },
    producers: ['ingress', 'router', 'metering'],
    consumers: ['operator'],
    retention: BROKER_DEFAULT_RETENTION,
  },
  {
    id: 'retry',
    address: `${Topics.retry}.{lane}`,
    title: 'Retry lanes (internal to the router)',
    description:
      "The router's durable retry lanes, one topic per RETRY_SCHEDULE step (`.0`, `.1`, …): the event's bytes plus its delivery state in headers. Internal: the layout may change without a new topic version.",
    message: {
      name: 'RetryTicket',
      title: 'An event waiting for its next attempt',
      contentType: 'application/json',
      payload: metaWebhookEnvelopeSchema,
      headers: retryHeaderSchema,
      key: phoneNumberKey('`phone_number_id` (or `waba:<id>`) of the event'),
    },
    producers: ['router'],
    consumers: ['router'],
    retention: retryRetention,
    topicConfiguration: { 'retention.ms': 7 * DAY_MS },
  },
  {
    id: 'ordered',
    address: Topics.ordered,
    title: 'Parking lane of ordered destinations (internal to the router)',
    description:
      "Events of `ordered` destinations waiting behind their channel/slot pair's undelivered head, in Kafka order. Internal: the layout may change without a new topic version.",
    message: {
      name: 'ParkedEvent',
      title: "An event parked behind its pair's head",
      contentType: 'application/json',
      payload: metaWebhookEnvelopeSchema,
      headers: retryHeaderSchema,
      key: phoneNumberKey('`<channel_id>/<slot>`'),
    },
    producers: ['router'],
    consumers: ['router'],
    retention: retryRetention,
    topicConfiguration: { 'retention.ms': 7 * DAY_MS },
  },
];

const SERVICES: Record<string, string> = {
  ingress: 'receives Meta webhooks',
  gateway: 'the partner and operator HTTP APIs',
  router: 'delivers events to partners',
  metering: 'counts conversations and sends',
  'internal teams': 'analytics, billing, support',
  'operator tooling': 'dead-letter replay',
  operator: 'people running wabridge',
};

const camel = (value: string) => value.replace(/[^a-zA-Z0-9]+(.)/g, (_, c: string) => c.toUpperCase());

/** A schema's `$id` stays in libs/contracts; in the document it moves to `x-json-schema-id`, where no resolver acts on it. */
function componentSchema(schema: Schema): Schema {
  const { $id, ...rest } = schema;
  return typeof $id === 'string' ? { ...rest, 'x-json-schema-id': $id } : rest;
}

export function buildAsyncApiDocument(version = '1.0.0'): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};

  for (const topic of TOPICS) {
    const { message } = topic;
    const payloadName = `${message.name}Payload`;
    const headersName = `${message.name}Headers`;
    schemas[payloadName] = componentSchema(message.payload);
    schemas[headersName] = message.headers;
    messages[message.name] = {
      name: message.name,
      title: message.title,
      contentType: message.contentType,
      headers: { $ref: `#/components/schemas/${headersName}` },
      payload: { $ref: `#/components/schemas/${payloadName}` },
      bindings: {
        kafka: {
          ...(message.key ? { key: message.key } : { key: { type: 'null', description: 'no key' } }),
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    };
    channels[topic.id] = {
      address: topic.address,
      title: topic.title,
      description: `${topic.description}\n\nRetention: ${topic.retention}\n\nProduced by: ${topic.producers.join(', ')}. Consumed by: ${topic.consumers.join(', ')}.`,
      ...(topic.address.includes('{lane}') ? { parameters: { lane: { description: 'the index of the RETRY_SCHEDULE step, from 0' } } } : {}),
      messages: { [message.name]: { $ref: `#/components/messages/${message.name}` } },
      bindings: {
        kafka: {
          ...(topic.address.includes('{') ? {} : { topic: topic.address }),
          ...(topic.topicConfiguration ? { topicConfiguration: topic.topicConfiguration } : {}),
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
      'x-retention': topic.retention,
      'x-producers': topic.producers,
      'x-consumers': topic.consumers,
    };
    const ref = (id: string) => ({ $ref: `#/channels/${id}` });
    const messageRef = { $ref: `#/channels/${topic.id}/messages/${message.name}` };
    for (const [action, services] of [
      ['send', topic.producers],
      ['receive', topic.consumers],
    ] as const) {
      for (const service of services) {
        operations[camel(`${service} ${action} ${topic.id}`)] = {
          action,
          channel: ref(topic.id),
          summary: `${service} ${action === 'send' ? 'produces' : 'consumes'} ${topic.address}`,
          tags: [{ name: service }],
          messages: [messageRef],
        };
      }
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'wabridge Kafka topics',
      version,
      description:
        'The Kafka topics of wabridge, an open-source WhatsApp Business Solution Provider gateway: what each carries, its key and record headers, who produces and consumes it. Generated from `libs/contracts` (topic names, header names, JSON Schemas); see docs/events.md. Producers are idempotent with `acks=all`; delivery is at least once, so consumers dedupe on `event-id` (webhooks, dead letters) or `wamid` (outbound). A deployment may put a namespace in front of every address (`KAFKA_TOPIC_PREFIX`).',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      tags: Object.entries(SERVICES).map(([name, description]) => ({ name, description })),
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '{brokers}',
        protocol: 'kafka',
        description: 'The Kafka cluster wabridge runs on (KAFKA_BROKERS).',
        variables: { brokers: { default: 'localhost:9092', description: 'bootstrap servers, comma-separated' } },
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}

/** The document as YAML, as committed in docs/asyncapi.yaml. */
export function renderAsyncApiYaml(version?: string): string {
  return `# Generated from libs/contracts by tools/asyncapi/export.ts — do not edit by hand.\n${stringify(buildAsyncApiDocument(version), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
