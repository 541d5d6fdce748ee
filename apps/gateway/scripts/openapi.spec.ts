import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApiDocument } from './render-openapi';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  tags?: string[];
}

describe('docs/openapi.json', () => {
  let rendered: string;
  let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

  beforeAll(async () => {
    rendered = await renderOpenApiDocument();
    document = JSON.parse(rendered) as typeof document;
  }, 30000);

  it("is up to date with the gateway's routes (regenerate: npm run openapi)", () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'openapi.json'), 'utf8')).toBe(rendered);
  });

  it('documents the whole partner and operator surface', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /messages',
        'POST /v1/messages',
        'POST /{version}/{phoneNumberId}/messages',
        'POST /v1/configs/webhook',
        'GET /v1/configs/webhook',
        'DELETE /v1/configs/webhook',
        'POST /v1/configs/webhook/rotate-secret',
        'GET /multi_webhook',
        'POST /multi_webhook',
        'PUT /multi_webhook',
        'PATCH /multi_webhook',
        'DELETE /multi_webhook',
        'POST /multi_webhook/{name}/rotate-secret',
        'POST /multi_webhook/rotate-secret',
        'GET /v1/configs/templates',
        'POST /v1/configs/templates',
        'DELETE /v1/configs/templates/{name}',
        'GET /message_templates',
        'POST /media',
        'GET /{id}',
        'DELETE /{id}',
        'GET /{version}/{id}',
        'DELETE /{version}/{id}',
        'POST /{phoneNumberId}/messages',
        'POST /{phoneNumberId}/media',
        'GET /{version}/{wabaId}/message_templates',
        'POST /{version}/{wabaId}/message_templates',
        'DELETE /{version}/{wabaId}/message_templates',
        'GET /{wabaId}/message_templates',
        'GET /whatsapp_business_profile',
        'POST /whatsapp_business_profile',
        'GET /{version}/{phoneNumberId}/whatsapp_business_profile',
        'PUT /v1/messages/{messageId}',
        'POST /v1/media',
        'GET /v1/settings/profile/about',
        'PATCH /v1/settings/profile/about',
        'GET /v1/settings/profile/photo',
        'GET /v1/settings/business/profile',
        'POST /v1/settings/business/profile',
        'GET /v1/configs/phone_number',
        'GET /v1/health',
        'POST /v1/contacts',
        'GET /whatsapp_business/attachments',
        'GET /v1/media/{mediaId}',
        'GET /health_status',
        'GET /health',
        'POST /admin/v1/clients',
        'POST /admin/v1/channels',
        'GET /admin/v1/channels',
        'GET /admin/v1/channels/{id}',
        'POST /admin/v1/channels/{id}/api-keys',
        'PATCH /admin/v1/channels/{id}',
        'DELETE /admin/v1/channels/{id}/slots/{slot}',
        'POST /api/v2/partners/{partnerId}/channels/{channelId}/api_keys',
      ]),
    );
    expect(operations.some((operation) => operation.includes('/metrics') || operation.includes('/health/'))).toBe(false);
  });

  it('gives every operation but /health a security requirement, a tag and a 401', () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect({ path, method, tagged: (operation.tags ?? []).length === 1 }).toEqual({ path, method, tagged: true });
        if (path === '/health') continue;
        expect({ path, method, secured: (operation.security ?? []).length > 0, has401: '401' in operation.responses }).toEqual({
          path,
          method,
          secured: true,
          has401: true,
        });
      }
    }
  });

  it('has no dangling $ref', () => {
    const refs = [...rendered.matchAll(/"\$ref": "#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(document.components.schemas).toHaveProperty(ref);
  });
});
