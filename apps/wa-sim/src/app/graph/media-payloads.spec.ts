import { checkUpload, mediaMetadata, unknownObjectError } from './media-payloads';

const form = (fields: Record<string, string | Blob>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
};

describe('simulated media payloads', () => {
  it('describes media like Meta, with a lookaside URL', () => {
    const metadata = mediaMetadata({ id: '1234', mimeType: 'image/png', sha256: 'ab', size: 3, urlHash: 'h', uploadedAt: 1718000000000 });
    expect(metadata).toEqual({
      messaging_product: 'whatsapp',
      url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1234&ext=1718000000&hash=h',
      mime_type: 'image/png',
      sha256: 'ab',
      file_size: 3,
      id: '1234',
    });
  });

  it('checks an upload form', async () => {
    const file = new Blob([Buffer.from([1, 2, 3])], { type: 'image/png' });
    expect(await checkUpload(form({ messaging_product: 'whatsapp', type: 'image/png', file }))).toEqual({
      ok: true,
      mimeType: 'image/png',
      bytes: Buffer.from([1, 2, 3]),
    });
    expect(await checkUpload(form({ messaging_product: 'whatsapp', file }))).toMatchObject({ ok: true, mimeType: 'image/png' });
    expect(await checkUpload(form({ type: 'image/png', file }))).toMatchObject({
      ok: false,
      body: { error: { code: 100, message: expect.stringContaining('messaging_product') } },
    });
    expect(await checkUpload(form({ messaging_product: 'whatsapp', file: 'not a file' }))).toMatchObject({
      ok: false,
      body: { error: { message: expect.stringContaining('file') } },
    });
    // Typebot sends the media kind as `type`: the file part's content type counts then
    expect(await checkUpload(form({ messaging_product: 'whatsapp', type: 'image', file }))).toMatchObject({ ok: true, mimeType: 'image/png' });
    const untyped = new Blob([Buffer.from([1])]);
    expect(await checkUpload(form({ messaging_product: 'whatsapp', type: 'nonsense', file: untyped }))).toMatchObject({ ok: false });
  });

  it('answers an unknown id as Meta does', () => {
    expect(unknownObjectError('42')).toMatchObject({
      error: { code: 100, error_subcode: 33, type: 'GraphMethodException', message: expect.stringContaining("'42'") },
    });
  });
});
