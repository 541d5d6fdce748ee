import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const MIME_TYPE = /^[a-z]+\/[A-Za-z0-9.+-]+$/;

/** The MIME type of an on-premise raw upload (`Content-Type: image/jpeg`), or null when it names none. */
export function rawUploadType(contentType: string | undefined): string | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!MIME_TYPE.test(type) || type === 'application/json' || type.startsWith('multipart/')) return null;
  return type;
}

/**
 * The on-premise `POST /v1/media` (the file as the raw body) as the Cloud API's multipart upload,
 * streamed: the form's head, the partner's bytes as they arrive, its tail.
 */
export function asMultipartUpload(
  body: Readable,
  mimeType: string,
  contentLength: string | undefined,
): { body: Readable; contentType: string; contentLength: string | undefined } {
  const boundary = `wabridge${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\n${mimeType}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload"\r\nContent-Type: ${mimeType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of body) yield chunk as Buffer;
    yield tail;
  }
  const length = contentLength !== undefined && /^\d+$/.test(contentLength) ? String(head.length + Number(contentLength) + tail.length) : undefined;
  return { body: Readable.from(parts()), contentType: `multipart/form-data; boundary=${boundary}`, contentLength: length };
}
