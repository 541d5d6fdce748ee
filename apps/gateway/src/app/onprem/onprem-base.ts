import type { IncomingMessage } from 'node:http';

/**
 * The on-premise base path: the whole partner API is also served under `/onprem`, for clients that
 * were written for the on-premise API and cannot be told anything but a base URL (Chatwoot's
 * 360dialog inbox, configured with `<gateway>/onprem/v1`). A binding made through it delivers the
 * on-premise body shape by default, since those clients only parse that.
 */
export const ONPREM_PREFIX = '/onprem';

/** The URL routed for a request: `/onprem/...` without its prefix, anything else unchanged. */
export function withoutOnPremisePrefix(url: string): string {
  if (url === ONPREM_PREFIX) return '/';
  if (url.startsWith(`${ONPREM_PREFIX}/`)) return url.slice(ONPREM_PREFIX.length);
  if (url.startsWith(`${ONPREM_PREFIX}?`)) return `/${url.slice(ONPREM_PREFIX.length)}`;
  return url;
}

/** Set on the raw request by the rewrite (`originalUrl` is overwritten by the middleware layer). */
const VIA_ONPREM = Symbol('wabridge.viaOnPremiseBase');

type MarkedRequest = IncomingMessage & { [VIA_ONPREM]?: true };

/** Fastify's `rewriteUrl`: routes `/onprem/...` as the path without it and remembers that it came that way. */
export function rewriteOnPremiseUrl(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const routed = withoutOnPremisePrefix(url);
  if (routed !== url) (request as MarkedRequest)[VIA_ONPREM] = true;
  return routed;
}

/** Whether the request came in through the on-premise base path. */
export function viaOnPremiseBase(request: { raw: IncomingMessage }): boolean {
  return (request.raw as MarkedRequest)[VIA_ONPREM] === true;
}
