import { isObject, type JsonObject } from '@wabridge/util';
import { ApiException } from '../errors/api-exception';
import type { UpstreamResult } from '../graph/graph-api.client';
import { parseJsonOrUndefined } from '../graph/upstream-reply';

/**
 * The on-premise API's answer shapes, for the legacy calls mapped onto the Cloud API: `meta` on every
 * answer, `{"errors": [{code, title, details}]}` on failure. Pure.
 */

export const meta = (version: string) => ({ api_status: 'stable', version });

/** On-premise error codes: 1008 a required parameter is missing, 1009 a value is not valid, 1014 internal. */
export const MISSING = { code: 1008, title: 'Required parameter is missing' } as const;
export const INVALID = { code: 1009, title: 'Parameter value is not valid' } as const;
export const NOT_FOUND = { code: 1005, title: 'Access denied' } as const;

export function onPremiseErrorBody(code: number, title: string, details: string, version: string): JsonObject {
  return { meta: meta(version), errors: [{ code, title, details }] };
}

export function onPremiseError(status: number, error: { code: number; title: string }, details: string, version: string): ApiException {
  return new ApiException(status, onPremiseErrorBody(error.code, error.title, details, version));
}

/** Meta's answer when it is no success: its error in the on-premise shape, with Meta's status. */
export function upstreamFailure(result: UpstreamResult, version: string): { status: number; body: JsonObject } {
  if (result.kind === 'unreachable')
    return { status: 502, body: onPremiseErrorBody(1014, 'Internal error', 'the WhatsApp Graph API could not be reached', version) };
  if (result.kind === 'timeout')
    return { status: 504, body: onPremiseErrorBody(1014, 'Internal error', 'the WhatsApp Graph API did not answer in time', version) };
  const parsed = parseJsonOrUndefined(result.body);
  const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : {};
  const data = isObject(error.error_data) ? error.error_data : {};
  const code = typeof error.code === 'number' ? error.code : result.status >= 500 ? 1014 : INVALID.code;
  const title = typeof error.message === 'string' ? error.message : result.status >= 500 ? 'Internal error' : INVALID.title;
  const details = typeof data.details === 'string' ? data.details : title;
  return { status: result.status, body: onPremiseErrorBody(code, title, details, version) };
}

/** Cloud's `health_status` as the on-premise `GET /v1/health` answered it. */
export function onPremiseHealth(cloud: unknown, version: string): JsonObject {
  const status = isObject(cloud) && isObject(cloud.health_status) ? cloud.health_status.can_send_message : undefined;
  const gatewayStatus = status === 'AVAILABLE' || status === 'LIMITED' ? 'connected' : status === 'BLOCKED' ? 'disconnected' : 'unknown';
  return { health: { gateway_status: gatewayStatus }, meta: meta(version) };
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: ApiException };

export const BUSINESS_FIELDS = ['address', 'description', 'email', 'vertical', 'websites'] as const;

/** The Cloud profile (`{data: [profile]}`) as `GET /v1/settings/business/profile` answered it. */
export function onPremiseBusinessProfile(cloud: unknown, version: string): JsonObject {
  const profile = isObject(cloud) && Array.isArray(cloud.data) && isObject(cloud.data[0]) ? cloud.data[0] : {};
  const business: JsonObject = {};
  for (const field of BUSINESS_FIELDS) business[field] = profile[field] ?? (field === 'websites' ? [] : '');
  return { settings: { business: { profile: business } }, meta: meta(version) };
}

export function profileField(cloud: unknown, field: string): unknown {
  return isObject(cloud) && Array.isArray(cloud.data) && isObject(cloud.data[0]) ? cloud.data[0][field] : undefined;
}
