/**
 * Where media lives, as partners see it. Meta's media URLs point at its lookaside host and need the
 * operator's token; the gateway hands out the same path and query on its own PUBLIC_URL instead, so
 * clients that append `pathname + search` to their base (Typebot) and clients that swap Meta's host
 * for their base (RapidPro/courier) both land on the gateway's attachments route.
 */

/** The routes that take a multipart upload, streamed to Meta unparsed. */
export const MULTIPART_ROUTES: ReadonlySet<string> = new Set(['/media', '/:phoneNumberId/media', '/:version/:phoneNumberId/media']);

/** The on-premise upload: the file itself as the body, any content type, streamed to Meta as multipart. */
export const RAW_UPLOAD_ROUTES: ReadonlySet<string> = new Set(['/v1/media']);

export const ATTACHMENTS_PREFIX = '/whatsapp_business/attachments';

/** Meta's media ids are numbers; anything else cannot name one and never reaches the Graph API. */
export function isMediaId(value: string): boolean {
  return /^\d{1,64}$/.test(value);
}

/** A path (with query) of the attachments route, or null if it could step outside it. */
export function attachmentPath(pathAndQuery: string): string | null {
  const [path] = pathAndQuery.split('?', 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded !== ATTACHMENTS_PREFIX && !decoded.startsWith(`${ATTACHMENTS_PREFIX}/`)) return null;
  if (/(^|\/)\.\.?(\/|$)/.test(decoded) || decoded.includes('\\') || decoded.includes('//') || /[\x00-\x1f]/.test(decoded)) return null;
  return pathAndQuery;
}

/** Meta's media URL with the gateway in place of Meta's host; null when it is no URL. */
export function publicMediaUrl(metaUrl: unknown, publicUrl: string): string | null {
  if (typeof metaUrl !== 'string') return null;
  try {
    const url = new URL(metaUrl);
    return `${publicUrl}${url.pathname}${url.search}`;
  } catch {
    return null;
  }
}

/** The attachments path of a media URL Meta returned, to download its bytes from the media host. */
export function attachmentPathOf(metaUrl: unknown): string | null {
  if (typeof metaUrl !== 'string') return null;
  try {
    const url = new URL(metaUrl);
    return attachmentPath(`${url.pathname}${url.search}`);
  } catch {
    return null;
  }
}

/** The media id (`mid`) an attachments URL names, or null: a download must name the media it is for. */
export function attachmentMediaId(pathAndQuery: string): string | null {
  const query = pathAndQuery.includes('?') ? pathAndQuery.slice(pathAndQuery.indexOf('?') + 1) : '';
  const mids = new URLSearchParams(query).getAll('mid');
  return mids.length === 1 && isMediaId(mids[0]) ? mids[0] : null;
}

/** Whether a Graph answer is the media object `mediaId` (and not some other node the token reaches). */
export function isMediaObject(body: unknown, mediaId: string): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const media = body as Record<string, unknown>;
  return media.id === mediaId && typeof media.url === 'string' && typeof media.mime_type === 'string';
}
