import type { JsonObject } from '@wabridge/util';
import { metaError, type MetaErrorBody } from './meta-payloads';

/** Where Meta serves media bytes; media URLs the simulator hands out name it, as Meta's do. */
export const LOOKASIDE_ORIGIN = 'https://lookaside.fbsbx.com';
export const ATTACHMENTS_PATH = '/whatsapp_business/attachments/';

export interface MediaDescription {
  id: string;
  mimeType: string;
  sha256: string;
  size: number;
  urlHash: string;
  uploadedAt: number;
}

export function mediaUrl(media: MediaDescription): string {
  const query = new URLSearchParams({ mid: media.id, ext: String(Math.floor(media.uploadedAt / 1000)), hash: media.urlHash });
  return `${LOOKASIDE_ORIGIN}${ATTACHMENTS_PATH}?${query.toString()}`;
}

/** `GET /{media_id}` (Meta's "retrieve media URL"). */
export function mediaMetadata(media: MediaDescription): JsonObject {
  return {
    messaging_product: 'whatsapp',
    url: mediaUrl(media),
    mime_type: media.mimeType,
    sha256: media.sha256,
    file_size: media.size,
    id: media.id,
  };
}

/** Meta's answer for an id it does not know (or that the caller may not see). */
export function unknownObjectError(id: string): MetaErrorBody {
  const body = metaError(
    100,
    `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  );
  return { error: { ...body.error, type: 'GraphMethodException', error_subcode: 33 } };
}

const MIME_TYPE = /^[a-z]+\/[A-Za-z0-9.+-]+$/;

export type UploadCheck = { ok: true; mimeType: string; bytes: Buffer } | { ok: false; body: MetaErrorBody };

const required = (parameter: string): UploadCheck => ({ ok: false, body: metaError(100, `(#100) The parameter ${parameter} is required.`) });

/** The fields of a `POST /{phone_number_id}/media` multipart form, checked as Meta checks them. */
export async function checkUpload(form: FormData): Promise<UploadCheck> {
  if (form.get('messaging_product') !== 'whatsapp') return required('messaging_product');
  const file = form.get('file');
  if (file === null || typeof file === 'string') return required('file');
  // `type` should be the MIME type; some clients send the WhatsApp media kind (`image`) instead, and
  // then the file part's own content type is what counts
  const type = form.get('type');
  const mimeType = [typeof type === 'string' ? type : '', file.type].find((candidate) => MIME_TYPE.test(candidate));
  if (mimeType === undefined) {
    return { ok: false, body: metaError(100, '(#100) Param type must be a MIME type such as image/jpeg') };
  }
  return { ok: true, mimeType, bytes: Buffer.from(await file.arrayBuffer()) };
}
