import { HttpException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';

/** An answer whose body is already final: the exception filter sends it unchanged. */
export class ApiException extends HttpException {
  constructor(status: number, body: object) {
    super(body, status);
  }
}

/** `{"error": "..."}`: the shape of every wabridge-own error (operator API, webhook config, auth). */
export function apiError(status: number, message: string): ApiException {
  return new ApiException(status, { error: message });
}

export interface MetaErrorBody {
  error: { message: string; type: string; code: number; error_subcode?: number; is_transient?: boolean; fbtrace_id: string };
}

/**
 * An error in the Graph API's own shape, for the Meta-style paths, so SDKs built for Meta parse it.
 * Code 100 is Meta's "invalid parameter", code 2 its transient "service unavailable".
 */
export function metaErrorBody(message: string, code: number): MetaErrorBody {
  return {
    error: {
      message,
      type: 'OAuthException',
      code,
      ...(code === 2 ? { is_transient: true } : {}),
      fbtrace_id: randomBytes(9).toString('base64url'),
    },
  };
}

export function metaError(status: number, message: string, code = status >= 500 ? 2 : 100): ApiException {
  return new ApiException(status, metaErrorBody(message, code));
}

/**
 * Graph's answer for an id the caller cannot see, with 404: what every id outside the key's channel
 * gets, whether or not it exists at Meta.
 */
export function unknownObjectBody(id: string): MetaErrorBody {
  const body = metaErrorBody(
    `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    100,
  );
  return { error: { ...body.error, type: 'GraphMethodException', error_subcode: 33 } };
}

export function unknownObject(id: string): ApiException {
  return new ApiException(404, unknownObjectBody(id));
}

/** The legacy on-premise calls, whose errors are `{"errors": [{code, title, details}]}`. */
export function isOnPremiseStylePath(method: string, url: string): boolean {
  const path = url.split('?')[0];
  return (
    /^\/v1\/(settings\/|health\/?$|contacts\/?$|configs\/phone_number\/?$)/.test(path) ||
    (method === 'PUT' && /^\/v1\/messages\/[^/]+$/.test(path)) ||
    (method === 'POST' && /^\/v1\/media\/?$/.test(path))
  );
}

/** The partner-facing Graph-like paths (sends, health, templates, media) answer errors in Meta's shape. */
export function isMetaStylePath(url: string): boolean {
  const path = url.split('?')[0];
  return (
    /\/(messages|health_status|message_templates|media|whatsapp_business_profile)\/?$/.test(path) ||
    /^\/(v\d+\.\d+\/)?\d+\/?$/.test(path) ||
    /^\/v1\/(configs\/templates|media)(\/|$)/.test(path) ||
    path.startsWith('/whatsapp_business/')
  );
}
