import { checkNewTemplate, indexOf, listPage, type StoredTemplate } from './message-templates';

const template = (name: string, language = 'en_US', status = 'APPROVED', category = 'UTILITY'): StoredTemplate => ({
  id: `id-${name}-${language}`,
  name,
  language,
  category,
  status,
  parameter_format: 'POSITIONAL',
  components: [{ type: 'BODY', text: 'Hi {{1}}' }],
});

describe('simulated message templates', () => {
  it('accepts a template as Meta would and normalises the category', () => {
    const check = checkNewTemplate({ name: 'order_shipped', category: 'utility', language: 'en_US', components: [{ type: 'BODY', text: 'x' }] });
    expect(check).toEqual({
      ok: true,
      template: { name: 'order_shipped', language: 'en_US', category: 'UTILITY', parameter_format: 'POSITIONAL', components: [{ type: 'BODY', text: 'x' }] },
    });
  });

  it.each([
    [{ name: 'Order Shipped', category: 'UTILITY', language: 'en', components: [{}] }, 'name'],
    [{ name: 'ok', category: 'SPAM', language: 'en', components: [{}] }, 'category'],
    [{ name: 'ok', category: 'UTILITY', language: 'english!', components: [{}] }, 'language'],
    [{ name: 'ok', category: 'UTILITY', language: 'en', components: [] }, 'components'],
    ['x', 'JSON object'],
  ])("refuses %j in Meta's error shape", (body, reason) => {
    const check = checkNewTemplate(body);
    expect(check).toMatchObject({ ok: false, status: 400, body: { error: { code: 100, type: 'OAuthException', message: expect.stringContaining(reason) } } });
  });

  it('pages with cursors and a next link, and counts with summary', () => {
    const all = ['a', 'b', 'c', 'd', 'e'].map((name) => template(name));
    const first = listPage(all, { limit: 2, summary: true }, (after) => `next?after=${after}`)!;
    expect((first.data as StoredTemplate[]).map((t) => t.name)).toEqual(['a', 'b']);
    expect(first.summary).toMatchObject({ total_count: 5 });
    const paging = first.paging as { cursors: { after: string }; next: string };
    expect(paging.next).toBe(`next?after=${paging.cursors.after}`);
    const second = listPage(all, { limit: 2, after: paging.cursors.after, summary: false }, (after) => after)!;
    expect((second.data as StoredTemplate[]).map((t) => t.name)).toEqual(['c', 'd']);
    const third = listPage(all, { limit: 2, after: (second.paging as { cursors: { after: string } }).cursors.after, summary: false }, (after) => after)!;
    expect((third.data as StoredTemplate[]).map((t) => t.name)).toEqual(['e']);
    expect(third.paging).not.toHaveProperty('next');
    expect(listPage(all, { limit: 2, after: 'garbage', summary: false }, (after) => after)).toBeNull();
    expect(indexOf('garbage')).toBeNull();
  });

  it('filters by name, status, category and language', () => {
    const all = [template('order_shipped'), template('order_shipped', 'de'), template('promo', 'en_US', 'REJECTED', 'MARKETING')];
    const names = (query: object) =>
      (listPage(all, { limit: 25, summary: false, ...query }, (a) => a)!.data as StoredTemplate[]).map((t) => `${t.name}/${t.language}`);
    expect(names({ name: 'order' })).toEqual(['order_shipped/en_US', 'order_shipped/de']);
    expect(names({ status: 'rejected' })).toEqual(['promo/en_US']);
    expect(names({ category: 'MARKETING' })).toEqual(['promo/en_US']);
    expect(names({ language: 'de' })).toEqual(['order_shipped/de']);
    expect(listPage([], { limit: 25, summary: false }, (a) => a)).toEqual({ data: [] });
  });
});
