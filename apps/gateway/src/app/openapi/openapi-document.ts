import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { ConsoleModule } from '../console/console.module';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { GraphFacadeModule } from '../graph-facade/graph-facade.module';
import { LegacyModule } from '../legacy/legacy.module';
import { MediaModule } from '../media/media.module';
import { MessagesModule } from '../messages/messages.module';
import { MultiWebhookModule } from '../multi-webhook/multi-webhook.module';
import { OperatorModule } from '../operator/operator.module';
import { SecretRotationModule } from '../secret-rotation/secret-rotation.module';
import { TemplatesModule } from '../templates/templates.module';
import { WebhookConfigModule } from '../webhook-config/webhook-config.module';
import { componentName, SchemaDefinitions, SECURITY, TAGS } from './api-docs';

/** Where the gateway serves the document: the UI at /docs, the JSON at /docs/json. */
export const DOCS_PATH = 'docs';

const DESCRIPTION = `The partner-facing Messaging API of wabridge — a copy of the 360dialog / WhatsApp Business API surface, so
existing clients work unchanged — and the operator API.

Partners authenticate with \`D360-API-KEY: <key>\` (on Graph-style paths also \`Authorization: Bearer <key>\`); a
missing, unknown or revoked key is answered 401 \`{"error": "Invalid or missing D360-API-KEY"}\`. Proxied paths relay
Meta's status and body unchanged and answer 502/504 in Meta's error shape when the Graph API cannot be asked.
The operator API takes \`Authorization: Bearer <ADMIN_TOKEN>\`.

The whole partner API is also served under the base path \`/onprem\` (e.g. \`/onprem/v1/configs/webhook\`): a
binding made through it delivers the on-premise body shape unless the request says otherwise. The Graph facade paths
also take the key as the \`access_token\` query parameter, and answer 404 in Graph's shape for any id that is not
the key's own number, WABA or media.`;

/**
 * The OpenAPI document of the partner and operator APIs (not of /health/*, /metrics, which are the
 * operations endpoints every service shares). Without servers: the running gateway adds PUBLIC_URL.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('wabridge gateway')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'D360-API-KEY', description: "the channel's partner key" }, SECURITY.partnerKey)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'the partner key, on Graph-style paths' }, SECURITY.partnerBearer)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'ADMIN_TOKEN', description: 'the operator token' }, SECURITY.admin)
    .addTag(TAGS.messages, 'Sends and mark-as-read, in the Cloud, on-premise and Graph dialects')
    .addTag(TAGS.webhook, "The primary webhook of the key's number (last writer wins)")
    .addTag(TAGS.multiWebhook, 'Extra named destinations, each delivered independently')
    .addTag(TAGS.templates, "Message templates of the key's WABA")
    .addTag(TAGS.media, "Media of the key's number; media URLs point at the gateway")
    .addTag(TAGS.health, 'Health for partners')
    .addTag(TAGS.legacy, 'Legacy on-premise API calls mapped onto the Cloud API, answered in the on-premise shape (`meta`; `errors` on failure)')
    .addTag(
      TAGS.graph,
      "Meta's Graph API paths for Meta SDKs (versioned or not; key as D360-API-KEY, Bearer or access_token), scoped to the key's number and WABA",
    )
    .addTag(TAGS.operator, 'Onboarding (clients, channels, keys), deliveries and dead letters')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    include: [
      AppModule,
      OperatorModule,
      WebhookConfigModule,
      SecretRotationModule,
      MultiWebhookModule,
      MessagesModule,
      TemplatesModule,
      DeliveriesModule,
      ConsoleModule,
      MediaModule,
      LegacyModule,
      GraphFacadeModule,
    ],
    autoTagControllers: false,
  });
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ...Object.fromEntries(Object.entries(SchemaDefinitions).map(([name, schema]) => [componentName(name), schema])),
    },
  };
  // the attachments route also matches any path below it (`/*`); one entry documents both
  delete document.paths[ATTACHMENTS_WILDCARD_PATH];
  return document;
}

const ATTACHMENTS_WILDCARD_PATH = '/whatsapp_business/attachments/{path}';
