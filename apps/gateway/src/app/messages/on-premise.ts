import { isObject, type JsonObject } from '@wabridge/util';

/**
 * An on-premise API send body as a Cloud API one: `messaging_product` added when absent, the
 * template `namespace` (unknown to Cloud) dropped, everything else — `language.policy` included —
 * kept as it is.
 */
export function toCloudSend(body: JsonObject): JsonObject {
  const cloud: JsonObject = { messaging_product: 'whatsapp', ...body };
  if (isObject(body.template) && 'namespace' in body.template) {
    const template = { ...body.template };
    delete template.namespace;
    cloud.template = template;
  }
  return cloud;
}

/**
 * Meta's Cloud answer to an accepted send in the on-premise shape
 * (`messages[].id`, `contacts`, `meta.api_status`); null when it is not such an answer.
 */
export function toOnPremiseResponse(cloud: unknown, apiVersion: string): JsonObject | null {
  if (!isObject(cloud) || !Array.isArray(cloud.messages)) return null;
  const messages = cloud.messages.filter(isObject).map((message) => ({ id: message.id }));
  if (messages.length === 0) return null;
  return {
    messages,
    contacts: Array.isArray(cloud.contacts) ? cloud.contacts : [],
    meta: { api_status: 'stable', version: apiVersion },
  };
}
