import { Readable } from 'node:stream';
import { asMultipartUpload, rawUploadType } from './raw-upload';

describe('on-premise raw upload', () => {
  it('takes a MIME type as Content-Type, never JSON or multipart', () => {
    expect(rawUploadType('image/jpeg')).toBe('image/jpeg');
    expect(rawUploadType('Audio/OGG; codecs=opus')).toBe('audio/ogg');
    for (const type of [undefined, '', 'nonsense', 'application/json', 'multipart/form-data; boundary=x']) expect(rawUploadType(type)).toBeNull();
  });

  it('streams the bytes as the multipart form Meta expects, with an exact length', async () => {
    const bytes = Buffer.from('\u00ff\u0000binary');
    const upload = asMultipartUpload(Readable.from([bytes]), 'image/png', String(bytes.length));
    const chunks: Buffer[] = [];
    for await (const chunk of upload.body) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    expect(upload.contentLength).toBe(String(body.length));
    const form = await new Response(body, { headers: { 'content-type': upload.contentType } }).formData();
    expect(form.get('messaging_product')).toBe('whatsapp');
    expect(form.get('type')).toBe('image/png');
    const file = form.get('file') as File;
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
    expect(asMultipartUpload(Readable.from([]), 'image/png', undefined).contentLength).toBeUndefined();
  });
});
