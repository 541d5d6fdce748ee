import { attachmentMediaId, attachmentPath, attachmentPathOf, isMediaId, isMediaObject, publicMediaUrl } from './media-paths';

const metaUrl = 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1037543291543636&ext=1718000000&hash=ATtz';

describe('media paths', () => {
  it("points Meta's media URL at the gateway, path and query kept", () => {
    expect(publicMediaUrl(metaUrl, 'https://api.wabridge.example')).toBe(
      'https://api.wabridge.example/whatsapp_business/attachments/?mid=1037543291543636&ext=1718000000&hash=ATtz',
    );
    expect(publicMediaUrl('not a url', 'https://x')).toBeNull();
    expect(publicMediaUrl(undefined, 'https://x')).toBeNull();
  });

  it('serves both ways clients reach the bytes', () => {
    const handedOut = new URL(publicMediaUrl(metaUrl, 'https://api.wabridge.example')!);
    // Typebot: base + pathname + search
    const typebot = `https://api.wabridge.example${handedOut.pathname}${handedOut.search}`;
    // courier: Meta's host replaced by the base (a no-op on the URL the gateway handed out, a rewrite on Meta's)
    const courier = metaUrl.replace('https://lookaside.fbsbx.com', 'https://api.wabridge.example');
    expect(typebot).toBe(courier);
    expect(attachmentPath(`${handedOut.pathname}${handedOut.search}`)).toBe('/whatsapp_business/attachments/?mid=1037543291543636&ext=1718000000&hash=ATtz');
    expect(attachmentPathOf(metaUrl)).toBe('/whatsapp_business/attachments/?mid=1037543291543636&ext=1718000000&hash=ATtz');
  });

  it.each([
    '/whatsapp_business/attachments/../../v21.0/me',
    '/whatsapp_business/attachments/%2e%2e/x',
    '/whatsapp_business/attachments//evil',
    '/whatsapp_business/attachmentsX',
    '/v21.0/123',
    '/whatsapp_business/attachments/%E0%A4%A',
    '/whatsapp_business/attachments/a\\b',
  ])('refuses %s', (path) => {
    expect(attachmentPath(path)).toBeNull();
  });

  it('accepts numeric media ids only', () => {
    expect(isMediaId('1037543291543636')).toBe(true);
    for (const id of ['', 'abc', '12a', '1'.repeat(65), '../1']) expect(isMediaId(id)).toBe(false);
  });

  it('reads the one media id an attachments URL names, or none', () => {
    expect(attachmentMediaId('/whatsapp_business/attachments/?mid=1037543291543636&ext=1&hash=x')).toBe('1037543291543636');
    for (const path of [
      '/whatsapp_business/attachments/?ext=1',
      '/whatsapp_business/attachments/?mid=1&mid=2',
      '/whatsapp_business/attachments/?mid=abc',
      '/whatsapp_business/attachments/',
    ]) {
      expect(attachmentMediaId(path)).toBeNull();
    }
  });

  it('takes a Graph answer for media only with the media shape and the requested id', () => {
    const media = { messaging_product: 'whatsapp', url: metaUrl, mime_type: 'image/png', sha256: 'x', file_size: 1, id: '42' };
    expect(isMediaObject(media, '42')).toBe(true);
    expect(isMediaObject(media, '43')).toBe(false);
    expect(isMediaObject({ id: '42', display_phone_number: '+1555', verified_name: 'x' }, '42')).toBe(false);
    expect(isMediaObject({ id: '42', name: 'offer', status: 'APPROVED' }, '42')).toBe(false);
    expect(isMediaObject([media], '42')).toBe(false);
  });
});
